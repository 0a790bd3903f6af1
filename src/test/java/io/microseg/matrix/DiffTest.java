package io.microseg.matrix;

import io.microseg.compile.Compiler;
import io.microseg.compile.DrlBuild;
import io.microseg.compile.RuleBase;
import io.microseg.compile.RuleFiles;
import io.microseg.explain.FlowTrace;
import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.inventory.Service;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code diff} on the demo (a policy edit, a DRL edit, an inventory edit) and on the multi-cluster
 * fixture: every flip is checked against {@code trace} on both sides, and every cell that the diff
 * does not list is traced on both sides too and found not to flip.
 */
class DiffTest {
    static final Path DEMO_INVENTORY = Path.of("config/demo/inventory");
    static final Path DEMO_POLICIES = Path.of("config/demo/policies");
    static final String PROVIDER_RULE = "Provider pods accept the consumers on the target port";
    static final String CATCH_ALL_RULE = "Workloads in a workspace's scope fall back to its catch-all";
    private static RuleBase packaged;

    @BeforeAll
    static void rules() {
        packaged = RuleBase.packaged();
    }

    static DiffEvaluation.Side side(Path inventory, Path policies, RuleBase rules) {
        return side(InventoryReader.read(inventory), PolicyReader.read(policies), rules);
    }

    static DiffEvaluation.Side side(Inventory inv, List<Workspace> ws, RuleBase rules) {
        return new DiffEvaluation.Side(new Compiler(rules).compile(inv, ws), inv, ws);
    }

    /** The flips by "from to port". */
    static Map<String, Diff.Flip> flips(Diff d) {
        Map<String, Diff.Flip> m = new HashMap<>();
        d.forEachFlip(c -> m.put(c.from() + " " + c.to() + " " + c.port().text(), c.flip()));
        return m;
    }

    /**
     * Each listed flip is what trace decides on both sides, traced on its own with explanations, and
     * names the deciders of its own traces; returns how many were checked.
     */
    static int flipsAgreeWithTrace(List<Diff.Cell> cells, DiffEvaluation.Side before, DiffEvaluation.Side after) {
        Trace tb = before.tracer();
        Trace ta = after.tracer();
        List<String> wrong = new ArrayList<>();
        for (Diff.Cell c : cells) {
            FlowTrace b = tb.trace(c.from(), c.to(), c.port().protocol(), c.port().port());
            FlowTrace a = ta.trace(c.from(), c.to(), c.port().protocol(), c.port().port());
            if (b.verdict() != c.flip().before() || a.verdict() != c.flip().after()) {
                wrong.add(c + " but trace says " + b.verdict() + " -> " + a.verdict());
                continue;
            }
            Diff.By[] by = Decider.of(b, a);
            if (!by[0].equals(c.flip().beforeBy()) || !by[1].equals(c.flip().afterBy())) {
                wrong.add(c + " but its own traces were decided by " + by[0] + " -> " + by[1]);
            }
        }
        assertThat(wrong).isEmpty();
        return cells.size();
    }

    /** Traces every cell on both sides: the flips are exactly the diff's. Returns the number of cells traced. */
    static long everyCellAgrees(Diff d, DiffEvaluation.Side before, DiffEvaluation.Side after) {
        List<Diff.Cell> listed = new ArrayList<>();
        d.forEachFlip(listed::add);
        flipsAgreeWithTrace(listed, before, after);
        Map<String, Diff.Flip> byKey = flips(d);
        Trace tb = before.tracer();
        Trace ta = after.tracer();
        TreeSet<String> workloads = ids(before.inventory());
        workloads.retainAll(ids(after.inventory()));
        TreeSet<String> services = new TreeSet<>(before.inventory().services().stream().map(Service::id).toList());
        services.retainAll(after.inventory().services().stream().map(Service::id).toList());
        Map<String, Service> sb = new HashMap<>();
        before.inventory().services().forEach(s -> sb.put(s.id(), s));
        Map<String, Service> sa = new HashMap<>();
        after.inventory().services().forEach(s -> sa.put(s.id(), s));
        List<String> unlisted = new ArrayList<>();
        long n = 0;
        for (String from : workloads) {
            List<String> tos = new ArrayList<>(workloads);
            tos.addAll(services);
            for (String to : tos) {
                if (from.equals(to)) continue;
                for (Trace.Port p : d.ports()) {
                    if (sb.containsKey(to) && !(MatrixEvaluation.hasPort(sb.get(to), p) && MatrixEvaluation.hasPort(sa.get(to), p))) continue;
                    n++;
                    Verdict b = tb.verdict(from, to, p.protocol(), p.port());
                    Verdict a = ta.verdict(from, to, p.protocol(), p.port());
                    boolean flipped = byKey.containsKey(from + " " + to + " " + p.text());
                    if ((a != b) != flipped) unlisted.add(from + " " + to + " " + p.text() + ": " + b + " -> " + a + ", listed " + flipped);
                }
            }
        }
        assertThat(unlisted).isEmpty();
        assertThat(d.allowToDeny() + d.denyToAllow()).isEqualTo(listed.size());
        return n;
    }

    private static TreeSet<String> ids(Inventory inv) {
        TreeSet<String> ids = new TreeSet<>();
        inv.hosts().forEach(h -> ids.add(h.id()));
        inv.nodes().forEach(x -> ids.add(x.id()));
        inv.pods().forEach(x -> ids.add(x.id()));
        return ids;
    }

    @Test
    void aPolicyEditThatCutsProductionFromDbFlipsThoseFlowsAndNamesThePolicyOnEachSide(@TempDir Path tmp) {
        Path candidate = TestFiles.copy(DEMO_POLICIES, tmp.resolve("policies"));
        TestFiles.edit(candidate.resolve("demo.yaml"), "environment = production OR orchestrator_environment = production",
                "environment = production");
        DiffEvaluation.Side before = side(DEMO_INVENTORY, DEMO_POLICIES, packaged);
        DiffEvaluation.Side after = side(DEMO_INVENTORY, candidate, packaged);
        List<Trace.Port> ports = DiffEvaluation.portsNamed(before, after);
        assertThat(ports).extracting(Trace.Port::text).containsExactly("tcp/27017", "tcp/30017");

        Diff d = DiffEvaluation.evaluate(before, after, "*", "*", ports);
        Map<String, Diff.Flip> f = flips(d);
        assertThat(f).containsOnlyKeys("pod/demo/web/web-prod-0 service/demo/data/db tcp/27017",
                "pod/demo/web/web-prod-0 service/demo/data/db tcp/30017", "pod/demo/web/web-prod-0 node/demo/node-1 tcp/30017",
                "pod/demo/web/web-prod-0 node/demo/node-2 tcp/30017");
        Diff.Flip cut = f.get("pod/demo/web/web-prod-0 service/demo/data/db tcp/27017");
        assertThat(cut.before()).isEqualTo(Verdict.ALLOW);
        assertThat(cut.after()).isEqualTo(Verdict.DENY);
        assertThat(cut.beforeBy()).isEqualTo(new Diff.By("source egress", "demo/production-to-db",
                "Consumer pods reach the service's ClusterIP on the service port"));
        assertThat(cut.afterBy()).isEqualTo(new Diff.By("source egress", "demo/catch-all", CATCH_ALL_RULE));
        assertThat(d.allowToDeny()).isEqualTo(4);
        assertThat(d.denyToAllow()).isZero();
        assertThat(everyCellAgrees(d, before, after)).isEqualTo(8 * 7 * 2 + 8 * 2);

        // the reverse is the mirror image
        Diff back = DiffEvaluation.evaluate(after, before, "*", "*", ports);
        assertThat(back.denyToAllow()).isEqualTo(4);
        assertThat(flips(back).get("pod/demo/web/web-prod-0 service/demo/data/db tcp/27017").afterBy()).isEqualTo(cut.beforeBy());

        StringWriter json = new StringWriter();
        DiffJson.write(d, json);
        assertThat(json.toString()).startsWith("{\"flips\":[\n{\"from\":\"pod/demo/web/web-prod-0\",\"to\":\"node/demo/node-1\","
                        + "\"port\":\"tcp/30017\",\"before\":\"ALLOW\",\"after\":\"DENY\",\"before_by\":{\"policy\":\"demo/production-to-db\"")
                .endsWith("],\"summary\":{\"allowToDeny\":4,\"denyToAllow\":0}}\n");
        StringWriter table = new StringWriter();
        DiffTable.write(d, table);
        assertThat(table.toString()).startsWith("4 flows flip: 4 ALLOW -> DENY, 0 DENY -> ALLOW")
                .contains("pod/demo/web/web-prod-0  service/demo/data/db  tcp/27017  ALLOW -> DENY  1\n"
                        + "    before: policy demo/production-to-db, DRL rule \"Consumer pods reach the service's ClusterIP on the service port\" at source egress\n"
                        + "    after:  policy demo/catch-all, DRL rule \"" + CATCH_ALL_RULE + "\" at source egress\n");
    }

    @Test
    void aDrlEditNamesTheDrlRuleWhoseFlowsFlip(@TempDir Path tmp) throws Exception {
        Path rules = TestFiles.copy(Path.of("rules"), tmp.resolve("rules"));
        Path services = rules.resolve("services.drl");
        String text = TestFiles.read(services);
        int start = text.indexOf("rule \"" + PROVIDER_RULE + "\"");
        int end = text.indexOf("\nend\n", start) + 5;
        TestFiles.write(services, text.substring(0, start) + text.substring(end));
        DrlBuild.Result built = DrlBuild.build(RuleFiles.read(rules));
        assertThat(built.problems()).isEmpty();

        DiffEvaluation.Side before = side(DEMO_INVENTORY, DEMO_POLICIES, packaged);
        DiffEvaluation.Side after = side(DEMO_INVENTORY, DEMO_POLICIES, built.rules());
        Diff d = DiffEvaluation.evaluate(before, after, "*", "*", DiffEvaluation.portsNamed(before, after));
        Map<String, Diff.Flip> f = flips(d);
        // without the rule, db's pods no longer accept the consumers themselves (node-port traffic, SNATed to
        // a node's address, is still accepted by the rule for the nodes): the production pod's ClusterIP path cuts
        Diff.Flip cut = f.get("pod/demo/web/web-prod-0 service/demo/data/db tcp/27017");
        assertThat(cut).isNotNull();
        assertThat(cut.beforeBy()).isEqualTo(new Diff.By("destination ingress", "demo/production-to-db", PROVIDER_RULE));
        assertThat(cut.afterBy()).isEqualTo(new Diff.By("destination ingress", "demo/catch-all", CATCH_ALL_RULE));
        assertThat(d.denyToAllow()).isZero();
        List<Diff.Cell> all = new ArrayList<>();
        d.forEachFlip(all::add);
        assertThat(all).allSatisfy(c -> assertThat(c.flip().beforeBy().rule()).isEqualTo(PROVIDER_RULE));
        everyCellAgrees(d, before, after);
    }

    @Test
    void anInventoryEditFlipsTheRelabelledPodsFlows(@TempDir Path tmp) {
        Path inventory = TestFiles.copy(DEMO_INVENTORY, tmp.resolve("inventory"));
        TestFiles.edit(inventory.resolve("web.yaml"), "environment: production", "environment: development");
        DiffEvaluation.Side before = side(DEMO_INVENTORY, DEMO_POLICIES, packaged);
        DiffEvaluation.Side after = side(inventory, DEMO_POLICIES, packaged);
        Diff d = DiffEvaluation.evaluate(before, after, "*", "*", DiffEvaluation.portsNamed(before, after));
        Map<String, Diff.Flip> f = flips(d);
        assertThat(f.keySet()).allSatisfy(k -> assertThat(k).startsWith("pod/demo/web/web-prod-0 "));
        assertThat(f.get("pod/demo/web/web-prod-0 service/demo/data/db tcp/27017").afterBy())
                .isEqualTo(new Diff.By("source egress", "demo/catch-all", CATCH_ALL_RULE));
        assertThat(d.allowToDeny()).isEqualTo(4);
        everyCellAgrees(d, before, after);

        // --from selects on either side: the pod is production before only, and still compared
        Diff selected = DiffEvaluation.evaluate(before, after, "orchestrator_environment = production", "*", d.ports());
        assertThat(flips(selected)).isEqualTo(f);
    }

    @Test
    void theMultiClusterFixture(@TempDir Path tmp) {
        Path policies = tmp.resolve("before");
        TestFiles.write(policies.resolve("shop.yaml"), MultiClusterShop.CLIENTS_TO_DB);
        Path candidate = tmp.resolve("after");
        TestFiles.write(candidate.resolve("shop.yaml"), TestFiles.read(policies.resolve("shop.yaml"))
                .replace("provider: \"orchestrator_system/service_name = db\"",
                        "provider: \"orchestrator_system/service_name = db AND orchestrator_system/cluster_name = east\""));
        Path inventory = Path.of("tests/fixtures/multi-cluster");
        DiffEvaluation.Side before = side(inventory, policies, packaged);
        DiffEvaluation.Side after = side(inventory, candidate, packaged);
        Diff d = DiffEvaluation.evaluate(before, after, "*", "*", DiffEvaluation.portsNamed(before, after));
        Map<String, Diff.Flip> f = flips(d);
        assertThat(f).containsKeys("pod/west/shop/client-0 service/west/shop/db tcp/5432",
                "pod/east/shop/client-0 service/west/shop/db tcp/30432");
        assertThat(f.keySet()).noneMatch(k -> k.contains("service/east/shop/db"));
        assertThat(d.denyToAllow()).isZero();
        everyCellAgrees(d, before, after);
    }

    @Test
    void nothingFlipsBetweenEqualInputs() {
        DiffEvaluation.Side same = side(DEMO_INVENTORY, DEMO_POLICIES, packaged);
        Diff d = DiffEvaluation.evaluate(same, same, "*", "*", DiffEvaluation.portsNamed(same, same));
        assertThat(d.any()).isFalse();
        StringWriter json = new StringWriter();
        DiffJson.write(d, json);
        assertThat(json.toString()).isEqualTo("{\"flips\":[],\"summary\":{\"allowToDeny\":0,\"denyToAllow\":0}}\n");
    }

}
