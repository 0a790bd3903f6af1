package io.microseg.source;

import io.microseg.controlplane.CompiledRule;
import io.microseg.compile.RuleBase;
import io.microseg.engine.ChangeSet;
import io.microseg.engine.Engine;
import io.microseg.input.InputException;
import io.microseg.policy.Direction;
import io.microseg.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static io.microseg.testing.TestFiles.copy;
import static io.microseg.testing.TestFiles.delete;
import static io.microseg.testing.TestFiles.edit;
import static io.microseg.testing.TestFiles.read;
import static io.microseg.testing.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

/** A temporary copy of the demo folders, watched by a FolderSource feeding a real Engine. */
class FolderSourceEngineTest {
    private static final String WEB_PROD = "pod/demo/web/web-prod-0";
    private static final String POLICY = "demo/production-to-db";
    private static RuleBase rules;

    @TempDir
    Path dir;

    Path inventory;
    Path policies;
    Engine engine;
    FolderSource folders;
    final List<ChangeSet> changeSets = new CopyOnWriteArrayList<>();
    final List<InputException> problems = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void loadRules() {
        rules = RuleBase.packaged();
    }

    @BeforeEach
    void start() {
        inventory = copy(Path.of("config/demo/inventory"), dir.resolve("inventory"));
        policies = copy(Path.of("config/demo/policies"), dir.resolve("policies"));
        engine = new Engine(rules);
        engine.subscribe(changeSets::add);
        engine.start();
        folders = new FolderSource(engine::submit, problems::add).watchInventory(inventory).watchPolicies(policies);
        folders.start();
        engine.sync().join();
        assertThat(egressOfWebProd(rules())).as("the seed's policy lets web-prod-0 reach db").hasSize(2);
        changeSets.clear();
    }

    @AfterEach
    void stop() {
        folders.close();
        engine.close();
    }

    @Test
    void relabellingAPodRemovesItsEgressRulesWithinASecond() {
        long edited = System.nanoTime();
        edit(inventory.resolve("web.yaml"), "    environment: production", "    environment: development");

        ChangeSet removal = awaitChangeSet(Duration.ofSeconds(1),
                c -> c.rulesRemoved().stream().anyMatch(r -> r.workload().equals(WEB_PROD) && r.policy().equals(POLICY)));
        System.out.printf("relabel to change set: %d ms%n", (System.nanoTime() - edited) / 1_000_000);
        assertThat(egressOfWebProd(removal.rulesRemoved())).hasSize(2);
        assertThat(removal.rulesAdded()).noneMatch(r -> r.workload().equals(WEB_PROD));
        assertThat(egressOfWebProd(rules())).isEmpty();
        assertThat(engine.snapshot().version()).isEqualTo(removal.version());
    }

    @Test
    void aBrokenPolicyFileKeepsTheOldRulesAndIsReported() {
        Path demo = policies.resolve("demo.yaml");
        List<CompiledRule> before = rules();
        long version = engine.snapshot().version();

        write(demo, read(demo).replace("consumer: \"environment = production", "consumer: \"environment = = production"));

        InputException problem = Await.value("the broken file reported", Await.DEFAULT, () -> problems.stream().findFirst());
        assertThat(problem.file()).isEqualTo(demo.toString());
        assertThat(problem.field()).isEqualTo("spec.policies[0].consumer");
        assertThat(problem.getMessage()).contains("demo.yaml").contains(POLICY).contains("expected");
        // Whatever FolderSource delivered has reached the engine by now: nothing did.
        engine.sync().join();
        assertThat(changeSets).isEmpty();
        assertThat(engine.snapshot().version()).isEqualTo(version);
        assertThat(rules()).isEqualTo(before);
    }

    @Test
    void deletingThePolicyFileRemovesEveryPolicyRule() {
        assertThat(rules()).isNotEmpty();

        delete(policies.resolve("demo.yaml"));

        ChangeSet removal = awaitChangeSet(Await.DEFAULT, c -> !c.rulesRemoved().isEmpty());
        assertThat(removal.rulesAdded()).isEmpty();
        assertThat(removal.rulesRemoved()).extracting(CompiledRule::policy).contains(POLICY, "demo/catch-all");
        assertThat(rules()).as("no workspace, no rules").isEmpty();
    }

    @Test
    void aNetworkPolicyInTheInventoryFolderIsolatesItsPodsUntilItsFileIsDeleted() {
        String isolation = "netpol/demo/web/deny-all/isolation";
        assertThat(rules()).noneMatch(r -> r.policy().startsWith("netpol/"));

        write(inventory.resolve("np.yaml"), """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny-all, namespace: web}
                spec: {podSelector: {}}
                """);

        ChangeSet added = awaitChangeSet(Await.DEFAULT, c -> c.rulesAdded().stream().anyMatch(r -> r.policy().equals(isolation)));
        assertThat(added.rulesAdded()).filteredOn(r -> r.policy().equals(isolation))
                .anyMatch(r -> r.workload().equals(WEB_PROD) && r.direction() == Direction.INGRESS);
        assertThat(problems).isEmpty();

        delete(inventory.resolve("np.yaml"));

        awaitChangeSet(Await.DEFAULT, c -> c.rulesRemoved().stream().anyMatch(r -> r.policy().equals(isolation)));
        assertThat(rules()).noneMatch(r -> r.policy().startsWith("netpol/"));
    }

    /**
     * A NetworkPolicy in a policy file applies to the cluster its annotation names: written, edited
     * (a peer added) and deleted with the file, and a broken edit keeps the last good version.
     */
    @Test
    void aNetworkPolicyInAPolicyFileFollowsTheFileInTheClusterItNames() {
        String allow = "netpol/demo/web/from-db";
        String isolation = allow + "/isolation";
        Path file = policies.resolve("netpol.yaml");
        String policy = """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: from-db
                  namespace: web
                  annotations: {microseg.io/cluster: demo}
                spec:
                  podSelector: {}
                  ingress:
                    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: nowhere}}}]
                """;
        write(file, policy);
        ChangeSet added = awaitChangeSet(Await.DEFAULT, c -> c.rulesAdded().stream().anyMatch(r -> r.policy().equals(isolation)));
        assertThat(added.rulesAdded()).filteredOn(r -> r.policy().equals(isolation))
                .anyMatch(r -> r.workload().equals(WEB_PROD) && r.direction() == Direction.INGRESS);
        assertThat(rules()).noneMatch(r -> r.policy().equals(allow));

        // Edited: the peer now selects the data namespace, whose db pods get an allow into web.
        write(file, policy.replace("nowhere", "data"));
        ChangeSet edited = awaitChangeSet(Await.DEFAULT, c -> c.rulesAdded().stream().anyMatch(r -> r.policy().equals(allow)));
        assertThat(edited.rulesAdded()).filteredOn(r -> r.policy().equals(allow))
                .allSatisfy(r -> assertThat(r.action()).isEqualTo(io.microseg.policy.Action.ALLOW))
                .anyMatch(r -> r.workload().equals(WEB_PROD));

        // Broken: an operator Kubernetes does not have; the problem names file, line and field, the rules stay.
        List<CompiledRule> before = rules();
        write(file, policy.replace("{matchLabels: {kubernetes.io/metadata.name: nowhere}}",
                "{matchExpressions: [{key: team, operator: Gt, values: [\"1\"]}]}"));
        InputException problem = Await.value("a problem", Await.DEFAULT, () -> problems.stream().findFirst());
        assertThat(problem.file()).isEqualTo(file.toString());
        assertThat(problem.line()).isEqualTo(10);
        assertThat(problem.field()).isEqualTo("spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].operator");
        assertThat(rules()).isEqualTo(before);

        delete(file);
        awaitChangeSet(Await.DEFAULT, c -> c.rulesRemoved().stream().anyMatch(r -> r.policy().equals(isolation)));
        assertThat(rules()).noneMatch(r -> r.policy().startsWith("netpol/"));
    }

    /**
     * A ClusterNetworkPolicy in a policy file applies to the cluster its annotation names: written,
     * edited (its action and peer changed), refused when broken (the last good version stays in
     * force, fail closed) and withdrawn with the file.
     */
    @Test
    void aClusterNetworkPolicyInAPolicyFileFollowsTheFileAndABrokenEditKeepsItsLastGoodVersion() {
        String cnp = "cnp/demo/web-from-data";
        Path file = policies.resolve("cnp.yaml");
        String policy = """
                apiVersion: policy.networking.k8s.io/v1alpha2
                kind: ClusterNetworkPolicy
                metadata:
                  name: web-from-data
                  annotations: {microseg.io/cluster: demo}
                spec:
                  tier: Admin
                  priority: 5
                  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: web}}}
                  ingress:
                    - name: deny-data
                      action: Deny
                      from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: data}}}]
                """;
        write(file, policy);
        ChangeSet added = awaitChangeSet(Await.DEFAULT, c -> c.rulesAdded().stream().anyMatch(r -> r.policy().equals(cnp)));
        assertThat(added.rulesAdded()).filteredOn(r -> r.policy().equals(cnp))
                .allSatisfy(r -> assertThat(r.action()).isEqualTo(io.microseg.policy.Action.DENY))
                .anyMatch(r -> r.workload().equals(WEB_PROD) && r.direction() == Direction.INGRESS
                        && r.rank() == io.microseg.policy.Rank.ADMIN);
        assertThat(problems).isEmpty();

        // Edited: Accept instead of Deny, on one port.
        String edited = policy.replace("action: Deny", "action: Accept")
                + "      protocols: [{tcp: {destinationPort: {number: 8080}}}]\n";
        write(file, edited);
        ChangeSet accept = awaitChangeSet(Await.DEFAULT, c -> c.rulesAdded().stream()
                .anyMatch(r -> r.policy().equals(cnp) && r.action() == io.microseg.policy.Action.ALLOW));
        assertThat(accept.rulesRemoved()).filteredOn(r -> r.policy().equals(cnp)).isNotEmpty()
                .allSatisfy(r -> assertThat(r.action()).isEqualTo(io.microseg.policy.Action.DENY));
        assertThat(rules()).filteredOn(r -> r.policy().equals(cnp)).isNotEmpty()
                .allSatisfy(r -> assertThat(r.ports()).isEqualTo("8080"));

        // Broken: a field of an earlier draft of the API; the problem names file, line and field, the rules stay.
        List<CompiledRule> before = rules();
        write(file, edited.replace("{number: 8080}", "{portNumber: 8080}"));
        InputException problem = Await.value("a problem", Await.DEFAULT, () -> problems.stream().findFirst());
        assertThat(problem.file()).isEqualTo(file.toString());
        assertThat(problem.line()).isEqualTo(14);
        assertThat(problem.field()).isEqualTo("spec.ingress[0].protocols[0].tcp.destinationPort.portNumber");
        assertThat(problem.getMessage()).contains("ClusterNetworkPolicy web-from-data");
        // A later, unrelated change is compiled with the last good version still in force.
        write(inventory.resolve("np.yaml"), """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny-all, namespace: data}
                spec: {podSelector: {}}
                """);
        awaitChangeSet(Await.DEFAULT, c -> c.rulesAdded().stream().anyMatch(r -> r.policy().startsWith("netpol/demo/data/deny-all")));
        assertThat(rules()).filteredOn(r -> r.policy().equals(cnp)).isEqualTo(before.stream().filter(r -> r.policy().equals(cnp)).toList());

        // Without the cluster annotation: refused too, the last good version still in force.
        problems.clear();
        write(file, edited.replace("  annotations: {microseg.io/cluster: demo}\n", ""));
        InputException noCluster = Await.value("a problem", Await.DEFAULT, () -> problems.stream().findFirst());
        assertThat(noCluster.field()).isEqualTo("metadata.annotations[\"microseg.io/cluster\"]");
        assertThat(rules()).filteredOn(r -> r.policy().equals(cnp)).isNotEmpty();

        changeSets.clear();
        delete(file);
        awaitChangeSet(Await.DEFAULT, c -> c.rulesRemoved().stream().anyMatch(r -> r.policy().equals(cnp)));
        assertThat(rules()).noneMatch(r -> r.policy().startsWith("cnp/"));
    }

    private ChangeSet awaitChangeSet(Duration timeout, Predicate<ChangeSet> which) {
        return Await.value("a change set", timeout, () -> changeSets.stream().filter(which).findFirst());
    }

    private List<CompiledRule> rules() {
        return engine.snapshot().compilation().rules();
    }

    private static List<CompiledRule> egressOfWebProd(List<CompiledRule> rules) {
        return rules.stream()
                .filter(r -> r.workload().equals(WEB_PROD) && r.direction() == Direction.EGRESS && r.policy().equals(POLICY))
                .toList();
    }
}
