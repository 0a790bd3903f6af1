package io.microseg.source;

import io.microseg.engine.Change;
import io.microseg.input.InputException;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.Pod;
import io.microseg.policy.Workspace;
import io.microseg.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.microseg.testing.TestFiles.copy;
import static io.microseg.testing.TestFiles.delete;
import static io.microseg.testing.TestFiles.deleteTree;
import static io.microseg.testing.TestFiles.edit;
import static io.microseg.testing.TestFiles.read;
import static io.microseg.testing.TestFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Real files in a temporary folder, a real WatchService, and waits that poll rather than sleep. */
class FolderSourceTest {
    private static final Path DEMO = Path.of("config/demo");

    @TempDir
    Path dir;

    Path inventory;
    Path policies;
    final List<Change> changes = new CopyOnWriteArrayList<>();
    final List<InputException> problems = new CopyOnWriteArrayList<>();
    FolderSource source;

    @BeforeEach
    void copyDemo() {
        inventory = copy(DEMO.resolve("inventory"), dir.resolve("inventory"));
        policies = copy(DEMO.resolve("policies"), dir.resolve("policies"));
        source = new FolderSource(changes::add, problems::add);
    }

    @AfterEach
    void close() {
        source.close();
    }

    // ---- inventory ----

    @Test
    void startDeliversTheInventoryFolderAsOneReplace() {
        source.watchInventory(inventory).start();

        assertThat(changes).hasSize(1);
        Change.Replace replace = (Change.Replace) changes.get(0);
        assertThat(replace.source()).isEqualTo("folder:" + inventory);
        assertThat(replace.objects()).extracting(InventoryObject::key)
                .contains("pod/demo/web/web-prod-0", "pod/demo/web/web-dev-0", "host/backup-prod", "node/demo/node-1");
        assertThat(problems).isEmpty();
    }

    @Test
    void anInventoryEditIsReplacedWithinASecond() {
        source.watchInventory(inventory).start();
        changes.clear();

        edit(inventory.resolve("web.yaml"), "    environment: production", "    environment: development");

        Change.Replace replace = awaitChange(Change.Replace.class, Duration.ofSeconds(1));
        assertThat(environmentOf(replace, "web-prod-0")).isEqualTo("development");
        assertThat(replace.source()).isEqualTo("folder:" + inventory);
    }

    @Test
    void aJsonFileIsPartOfTheInventoryFolder() {
        source.watchInventory(inventory).start();
        changes.clear();

        write(inventory.resolve("more.json"), """
                {"apiVersion": "v1", "kind": "List", "items": [
                    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "json-0", "namespace": "web", "labels": {"app": "web"}},
                     "status": {"podIP": "10.244.9.9"}},
                    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "web"}}
                ]}
                """);

        Change.Replace replace = awaitChange(Change.Replace.class, Duration.ofSeconds(5));
        assertThat(replace.objects()).extracting(InventoryObject::key).contains("pod/demo/web/json-0", "pod/demo/web/web-prod-0");
        assertThat(problems).isEmpty();
    }

    @Test
    void aBrokenInventoryFileIsLoggedAndNothingIsDeliveredUntilItIsFixed() {
        source.watchInventory(inventory).start();
        changes.clear();
        Path web = inventory.resolve("web.yaml");
        String good = read(web);

        write(web, good.replace("podIPs: [{ip: 10.244.1.20}]", "podIPs: [{ip: not-an-ip}]"));

        InputException problem = awaitProblem();
        assertThat(problem.file()).isEqualTo(web.toString());
        assertThat(problem.field()).isEqualTo("status.podIPs[0].ip");
        assertThat(problem.getMessage()).contains("web.yaml").contains("web-prod-0").contains("not-an-ip");
        assertThat(changes).as("a broken folder delivers nothing; the last good inventory stays").isEmpty();

        write(web, good.replace("    environment: production", "    environment: staging"));
        Change.Replace replace = awaitChange(Change.Replace.class, Await.DEFAULT);
        assertThat(environmentOf(replace, "web-prod-0")).isEqualTo("staging");
    }

    @Test
    void anInventoryReadThatChangesNothingDeliversNothing() {
        source.watchInventory(inventory).watchPolicies(policies).start();
        changes.clear();
        Path web = inventory.resolve("web.yaml");

        // Same objects, different text: the inventory folder delivers nothing. A policy edit afterwards
        // is the marker that the watcher has been through the inventory folder's pass.
        write(web, "# a comment\n" + read(web));
        awaitQuietThenTouchPolicies();

        assertThat(changes).noneMatch(c -> c instanceof Change.Replace);
    }

    @Test
    void newFilesAndNewSubfoldersAreRead() throws IOException {
        source.watchInventory(inventory).start();
        changes.clear();

        Path sub = Files.createDirectory(inventory.resolve("more"));
        write(sub.resolve("extra.yaml"), """
                apiVersion: microseg.io/v1
                kind: Host
                metadata: {name: extra, labels: {environment: production}}
                spec: {ips: [192.168.10.9]}
                """);

        Await.until("host/extra delivered", () -> lastReplace().map(r -> keys(r).contains("host/extra")).orElse(false));

        // A file in the new subfolder, written after it was registered, is seen too.
        write(sub.resolve("extra2.yml"), """
                apiVersion: microseg.io/v1
                kind: Host
                metadata: {name: extra2}
                spec: {ips: [192.168.10.10]}
                """);
        Await.until("host/extra2 delivered", () -> lastReplace().map(r -> keys(r).contains("host/extra2")).orElse(false));

        deleteTree(sub);
        Await.until("hosts of the deleted subfolder gone",
                () -> lastReplace().map(r -> !keys(r).contains("host/extra") && !keys(r).contains("host/extra2")).orElse(false));
    }

    @Test
    void aDeletedInventoryFolderKeepsTheLastGoodInventoryAndIsReadAgainWhenItComesBack() {
        source.watchInventory(inventory).start();
        changes.clear();
        Path saved = copy(inventory, dir.resolve("saved"));

        deleteTree(inventory);
        InputException problem = awaitProblem();
        assertThat(problem.getMessage()).contains(inventory.toString()).contains("expected a folder");
        assertThat(changes).isEmpty();

        copy(saved, inventory);
        edit(inventory.resolve("web.yaml"), "    environment: production", "    environment: development");
        Await.until("the folder read again", () -> lastReplace()
                .filter(r -> keys(r).contains("pod/demo/web/web-prod-0"))
                .map(r -> environmentOf(r, "web-prod-0").equals("development")).orElse(false));
    }

    @Test
    void aMissingFolderAtStartIsAnInputError() {
        InputException e = catchThrowableOfType(InputException.class,
                () -> source.watchInventory(dir.resolve("nope")).start());
        assertThat(e.getMessage()).contains("nope").contains("expected a folder");
    }

    // ---- policies ----

    @Test
    void startDeliversEachPolicyFile() {
        write(policies.resolve("more/other.yml"), workspace("other", "a"));
        source.watchPolicies(policies).start();

        assertThat(changes).extracting(Change::source)
                .containsExactly("file:" + policies.resolve("demo.yaml"), "file:" + policies.resolve("more/other.yml"));
        assertThat(workspaces(changes.get(0))).containsExactly("demo");
        assertThat(workspaces(changes.get(1))).containsExactly("other");
    }

    @Test
    void policyFilesAddedEditedAndDeleted() {
        source.watchPolicies(policies).start();
        changes.clear();
        Path extra = policies.resolve("extra.yaml");
        String src = "file:" + extra;

        write(extra, workspace("extra", "first"));
        Change.Workspaces added = awaitWorkspaces(src);
        assertThat(policyIds(added)).containsExactly("first");

        write(extra, workspace("extra", "second"));
        Change.Workspaces edited = awaitWorkspaces(src);
        assertThat(policyIds(edited)).containsExactly("second");

        delete(extra);
        Change.Workspaces deleted = awaitWorkspaces(src);
        assertThat(deleted.workspaces()).isEmpty();
        assertThat(changes).extracting(Change::source).containsOnly(src);
    }

    @Test
    void aBrokenPolicyFileKeepsItsLastGoodVersion() {
        source.watchPolicies(policies).start();
        changes.clear();
        Path demo = policies.resolve("demo.yaml");
        String good = read(demo);

        write(demo, good.replace("action: ALLOW", "action: PERMIT"));
        InputException problem = awaitProblem();
        assertThat(problem.file()).isEqualTo(demo.toString());
        assertThat(problem.field()).isEqualTo("spec.policies[0].action");
        assertThat(problem.getMessage()).contains("expected ALLOW or DENY");
        assertThat(changes).as("nothing delivered: the last good demo.yaml stays").isEmpty();

        write(demo, good.replace("priority: 100", "priority: 5"));
        Change.Workspaces fixed = awaitWorkspaces("file:" + demo);
        assertThat(fixed.workspaces().get(0).policies().get(0).priority()).isEqualTo(5);
    }

    @Test
    void malformedYamlInAPolicyFileIsAProblemToo() {
        source.watchPolicies(policies).start();
        changes.clear();
        write(policies.resolve("demo.yaml"), "apiVersion: microseg.io/v1\nkind: [unclosed\n");

        assertThat(awaitProblem().getMessage()).contains("demo.yaml").contains("malformed YAML");
        assertThat(changes).isEmpty();
    }

    @Test
    void aWorkspaceNameUsedByAnotherFileIsRefusedUntilThatFileLetsItGo() {
        Path second = policies.resolve("second.yaml");
        write(second, workspace("demo", "clash"));
        source.watchPolicies(policies).start();

        // demo.yaml sorts first, so it holds the name; second.yaml is refused, naming both files.
        assertThat(changes).extracting(Change::source).containsExactly("file:" + policies.resolve("demo.yaml"));
        assertThat(problems).hasSize(1);
        InputException problem = problems.get(0);
        assertThat(problem.file()).isEqualTo(second.toString());
        assertThat(problem.field()).isEqualTo("metadata.name");
        assertThat(problem.line()).isEqualTo(1);
        assertThat(problem.getMessage()).contains("second.yaml").contains(policies.resolve("demo.yaml").toString())
                .contains("demo");

        // A new file clashing with a name is refused too, and reported once.
        Path third = policies.resolve("third.yaml");
        write(third, workspace("demo", "other"));
        Await.until("third.yaml refused", () -> problems.stream().anyMatch(p -> p.file().equals(third.toString())));
        assertThat(changes).hasSize(1);
        delete(third);

        // Once demo.yaml is deleted, second.yaml gets the name.
        delete(policies.resolve("demo.yaml"));
        Change.Workspaces taken = awaitWorkspaces("file:" + second);
        assertThat(policyIds(taken)).containsExactly("clash");
        assertThat(changes).filteredOn(c -> c.source().equals("file:" + policies.resolve("demo.yaml")))
                .last().satisfies(c -> assertThat(((Change.Workspaces) c).workspaces()).isEmpty());
    }

    private static String networkPolicy(String cluster, String name) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: %s
                  namespace: web
                  annotations: {microseg.io/cluster: %s}
                spec: {podSelector: {}}
                """.formatted(name, cluster);
    }

    @Test
    void aPolicyFilesNetworkPoliciesAreReplacedWhenTheyChangeAndANameInTwoFilesIsRefused() {
        Path np = policies.resolve("np.yaml");
        write(np, workspace("mixed", "p") + "---\n" + networkPolicy("demo", "deny-all"));
        source.watchPolicies(policies).start();
        String src = "file:" + np;
        // The file's workspaces, then its NetworkPolicies, both under the file's source.
        assertThat(changes).filteredOn(c -> c.source().equals(src)).satisfiesExactly(
                c -> assertThat(workspaces(c)).containsExactly("mixed"),
                c -> assertThat(keys((Change.Replace) c)).containsExactly("networkpolicy/demo/web/deny-all"));
        changes.clear();

        // Only the NetworkPolicy changes: one Replace, no Workspaces.
        write(np, workspace("mixed", "p") + "---\n" + networkPolicy("lab", "deny-all"));
        Change.Replace moved = awaitChange(Change.Replace.class, Await.DEFAULT);
        assertThat(keys(moved)).containsExactly("networkpolicy/lab/web/deny-all");
        assertThat(changes).noneMatch(c -> c instanceof Change.Workspaces);

        // Another file defining the same NetworkPolicy in the same cluster is refused, naming both files.
        Path other = policies.resolve("other.yaml");
        write(other, networkPolicy("lab", "deny-all"));
        InputException problem = awaitProblem();
        assertThat(problem.file()).isEqualTo(other.toString());
        assertThat(problem.line()).isEqualTo(1);
        assertThat(problem.getMessage()).contains("NetworkPolicy web/deny-all in cluster lab").contains(np.toString());
        // In another cluster it is another policy.
        write(other, networkPolicy("demo", "deny-all"));
        Change.Replace second = awaitChange(Change.Replace.class, Await.DEFAULT);
        assertThat(second.source()).isEqualTo("file:" + other);
        assertThat(keys(second)).containsExactly("networkpolicy/demo/web/deny-all");

        // Deleted: the file's NetworkPolicies go with its workspaces.
        delete(np);
        Change.Replace gone = Await.value("the deleted file's Replace", Await.DEFAULT, () -> changes.stream()
                .filter(c -> c instanceof Change.Replace && c.source().equals(src)).map(Change.Replace.class::cast).findFirst());
        assertThat(gone.objects()).isEmpty();
        assertThat(awaitWorkspaces(src).workspaces()).isEmpty();
    }

    private static String clusterNetworkPolicy(String cluster, String name, String action) {
        return """
                apiVersion: policy.networking.k8s.io/v1alpha2
                kind: ClusterNetworkPolicy
                metadata:
                  name: %s
                  annotations: {microseg.io/cluster: %s}
                spec:
                  tier: Baseline
                  priority: 3
                  subject: {namespaces: {}}
                  ingress: [{action: %s, from: [{namespaces: {}}]}]
                """.formatted(name, cluster, action);
    }

    @Test
    void aPolicyFilesClusterNetworkPoliciesAreReplacedWhenTheyChangeAndANameInTwoFilesIsRefused() {
        Path cnp = policies.resolve("cnp.yaml");
        write(cnp, clusterNetworkPolicy("demo", "baseline", "Deny") + "---\n" + networkPolicy("demo", "deny-all"));
        source.watchPolicies(policies).start();
        String src = "file:" + cnp;
        assertThat(changes).filteredOn(c -> c.source().equals(src)).satisfiesExactly(
                c -> assertThat(workspaces(c)).isEmpty(),
                c -> assertThat(keys((Change.Replace) c)).containsExactly("networkpolicy/demo/web/deny-all",
                        "clusternetworkpolicy/demo/baseline"));
        changes.clear();

        // Only the ClusterNetworkPolicy changes: one Replace holding the new version.
        write(cnp, clusterNetworkPolicy("demo", "baseline", "Accept") + "---\n" + networkPolicy("demo", "deny-all"));
        Change.Replace edited = awaitChange(Change.Replace.class, Await.DEFAULT);
        assertThat(edited.objects()).filteredOn(o -> o instanceof io.microseg.inventory.ClusterNetworkPolicy).singleElement()
                .satisfies(o -> assertThat(((io.microseg.inventory.ClusterNetworkPolicy) o).ingress().get(0).action())
                        .isEqualTo(io.microseg.policy.Action.ALLOW));

        // Another file defining the same ClusterNetworkPolicy in the same cluster is refused, naming both files.
        Path other = policies.resolve("other.yaml");
        write(other, clusterNetworkPolicy("demo", "baseline", "Deny"));
        InputException problem = awaitProblem();
        assertThat(problem.file()).isEqualTo(other.toString());
        assertThat(problem.line()).isEqualTo(1);
        assertThat(problem.getMessage()).contains("expected a ClusterNetworkPolicy no other file uses, found ClusterNetworkPolicy baseline"
                + " in cluster demo also in " + cnp);
        assertThat(changes).noneMatch(c -> c.source().equals("file:" + other) && c instanceof Change.Replace);
        // In another cluster it is another policy.
        write(other, clusterNetworkPolicy("lab", "baseline", "Deny"));
        Change.Replace second = Await.value("other.yaml's Replace", Await.DEFAULT, () -> changes.stream()
                .filter(c -> c instanceof Change.Replace && c.source().equals("file:" + other)).map(Change.Replace.class::cast).findFirst());
        assertThat(keys(second)).containsExactly("clusternetworkpolicy/lab/baseline");

        // Deleted: the file's policies go with it.
        delete(cnp);
        Change.Replace gone = Await.value("the deleted file's Replace", Await.DEFAULT, () -> changes.stream()
                .filter(c -> c instanceof Change.Replace && c.source().equals(src)).map(Change.Replace.class::cast)
                .filter(r -> r.objects().isEmpty()).findFirst());
        assertThat(gone.objects()).isEmpty();
    }

    @Test
    void twoFilesSwappingWorkspaceNamesInOneSaveBothGetThrough() {
        Path a = policies.resolve("a.yaml");
        Path b = policies.resolve("b.yaml");
        write(a, workspace("alpha", "p"));
        write(b, workspace("beta", "p"));
        source.watchPolicies(policies).start();
        changes.clear();

        // b.yaml takes alpha before a.yaml lets it go: both are delivered in one pass.
        write(b, workspace("alpha", "p"));
        write(a, workspace("beta", "p"));

        Await.until("both files delivered", () -> changes.size() == 2);
        assertThat(problems).isEmpty();
        assertThat(workspaces(changes.get(0))).containsExactly("beta");
        assertThat(workspaces(changes.get(1))).containsExactly("alpha");
    }

    @Test
    void anAtomicRenameSaveIsSeen() throws IOException {
        source.watchPolicies(policies).start();
        changes.clear();
        Path demo = policies.resolve("demo.yaml");

        // As editors save: write a temporary file beside the real one, then rename it over it.
        Path temp = policies.resolve(".demo.yaml.swp");
        write(temp, read(demo).replace("priority: 100", "priority: 7"));
        Files.move(temp, demo, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        Change.Workspaces saved = awaitWorkspaces("file:" + demo);
        assertThat(saved.workspaces().get(0).policies().get(0).priority()).isEqualTo(7);
    }

    @Test
    void aSaveBurstIsOneChange() {
        source.watchPolicies(policies).start();
        changes.clear();
        Path demo = policies.resolve("demo.yaml");
        String good = read(demo);

        for (int p = 1; p <= 5; p++) write(demo, good.replace("priority: 100", "priority: " + p));

        Change.Workspaces last = awaitWorkspaces("file:" + demo);
        assertThat(last.workspaces().get(0).policies().get(0).priority()).isEqualTo(5);
        awaitQuietThenTouchPolicies();
        assertThat(changes).filteredOn(c -> c.source().equals("file:" + demo)).hasSize(1);
    }

    @Test
    void aFolderThatIsNeverQuietIsStillReadWithinMaxDelay() throws InterruptedException {
        source.watchPolicies(policies).start();
        changes.clear();
        Path noisy = policies.resolve("noisy.yaml");
        Path demo = policies.resolve("demo.yaml");
        // Something rewrites a file below the folder more often than the quiet period, for ever.
        Thread writer = new Thread(() -> {
            for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                write(noisy, workspace("noisy", "p" + (i % 2)));
                try {
                    Thread.sleep(FolderSource.QUIET.toMillis() / 3);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        writer.start();
        try {
            edit(demo, "priority: 100", "priority: 3");
            Change.Workspaces w = Await.value("demo.yaml delivered despite the noise", FolderSource.MAX_DELAY.multipliedBy(3),
                    () -> changes.stream().filter(c -> c.source().equals("file:" + demo)).map(Change.Workspaces.class::cast).findFirst());
            assertThat(w.workspaces().get(0).policies().get(0).priority()).isEqualTo(3);
        } finally {
            writer.interrupt();
            writer.join();
        }
    }

    @Test
    void aDeletedPolicyFolderKeepsItsPoliciesUntilItComesBack() {
        source.watchPolicies(policies).start();
        changes.clear();
        Path saved = copy(policies, dir.resolve("saved"));

        deleteTree(policies);
        Await.until("the folder reported gone", () -> problems.stream().anyMatch(p -> p.getMessage().contains("expected a folder")));

        // Every file is gone with the folder: whether their deletion was delivered depends on whether
        // the watcher saw the files go before the folder. What matters is that the folder is read
        // again when it is back, and delivers what is there.
        copy(saved, policies);
        edit(policies.resolve("demo.yaml"), "priority: 100", "priority: 9");
        Await.until("demo.yaml delivered again", () -> changes.stream()
                .filter(c -> c.source().equals("file:" + policies.resolve("demo.yaml")))
                .reduce((x, y) -> y)
                .map(c -> ((Change.Workspaces) c).workspaces())
                .filter(ws -> !ws.isEmpty() && ws.get(0).policies().get(0).priority() == 9)
                .isPresent());
    }

    @Test
    void nothingIsDeliveredAfterClose() {
        source.watchPolicies(policies).start();
        // A second source on the same folder, left open: once it has the edit, the closed one would have had it too.
        List<Change> witnessed = new CopyOnWriteArrayList<>();
        try (FolderSource witness = new FolderSource(witnessed::add)) {
            witness.watchPolicies(policies).start();
            source.close();
            changes.clear();
            write(policies.resolve("extra.yaml"), workspace("extra", "x"));
            Await.until("the open source delivering the edit", () -> witnessed.stream()
                    .anyMatch(c -> c instanceof Change.Workspaces w && w.workspaces().stream().anyMatch(x -> x.name().equals("extra"))));
            source.close(); // idempotent
            assertThat(changes).isEmpty();
        }
    }

    // ---- helpers ----

    /** Makes one more policy edit and waits for it: every pass before it has been delivered by then. */
    private void awaitQuietThenTouchPolicies() {
        Path marker = policies.resolve("zz-marker.yaml");
        String name = "marker" + System.nanoTime();
        write(marker, workspace(name, "m"));
        Await.until("the marker file delivered", () -> changes.stream()
                .anyMatch(c -> c instanceof Change.Workspaces w && w.workspaces().stream().anyMatch(x -> x.name().equals(name))));
    }

    /** The first change of this type (consumed, so the next call waits for a newer one). */
    private <T extends Change> T awaitChange(Class<T> type, Duration timeout) {
        T c = Await.value("a " + type.getSimpleName(), timeout,
                () -> changes.stream().filter(type::isInstance).map(type::cast).findFirst());
        changes.remove(c);
        return c;
    }

    /** The next Workspaces change of {@code src} (consumed, so the next call waits for a newer one). */
    private Change.Workspaces awaitWorkspaces(String src) {
        Change.Workspaces w = Await.value("a Workspaces change of " + src, Await.DEFAULT, () -> changes.stream()
                .filter(c -> c instanceof Change.Workspaces && c.source().equals(src) && !seen.contains(c))
                .map(Change.Workspaces.class::cast).findFirst());
        seen.add(w);
        return w;
    }

    private final List<Change> seen = new CopyOnWriteArrayList<>();

    private InputException awaitProblem() {
        return Await.value("a problem reported", Await.DEFAULT, () -> problems.stream().findFirst());
    }

    private Optional<Change.Replace> lastReplace() {
        return changes.stream().filter(c -> c instanceof Change.Replace).map(Change.Replace.class::cast).reduce((a, b) -> b);
    }

    private static List<String> keys(Change.Replace r) {
        return r.objects().stream().map(InventoryObject::key).toList();
    }

    private static String environmentOf(Change.Replace replace, String pod) {
        return replace.objects().stream()
                .filter(o -> o instanceof Pod p && p.name().equals(pod))
                .map(o -> ((Pod) o).labels().get("orchestrator_environment").orElse(null))
                .findFirst().orElseThrow();
    }

    private static List<String> workspaces(Change c) {
        return ((Change.Workspaces) c).workspaces().stream().map(Workspace::name).toList();
    }

    private static List<String> policyIds(Change.Workspaces w) {
        return w.workspaces().stream().flatMap(ws -> ws.policies().stream()).map(p -> p.id()).toList();
    }

    static String workspace(String name, String policyId) {
        return """
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: %s}
                spec:
                  scope: "*"
                  policies:
                    - {id: %s, consumer: "app = web", provider: "app = db", ports: ["TCP 5432"], action: ALLOW}
                """.formatted(name, policyId);
    }
}
