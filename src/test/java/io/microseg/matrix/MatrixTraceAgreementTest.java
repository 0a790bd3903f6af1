package io.microseg.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.controlplane.CompiledRule;
import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.net.Protocol;
import io.microseg.policy.PolicyInputs;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import io.microseg.scenario.ScenarioRunner;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every cell of a matrix is what {@code trace} decides for that flow, traced on its own with the full
 * public {@link Trace#trace} (explanations included): on the demo and on every scenario of
 * tests/scenarios, which between them hold the shapes the class key must tell apart (hostNetwork pods,
 * node ports, load balancers with externalTrafficPolicy Local, dual stack, duplicate addresses, pods
 * without an IP, several clusters).
 */
class MatrixTraceAgreementTest {
    private static RuleBase rules;

    @BeforeAll
    static void rules() {
        rules = RuleBase.packaged();
    }

    record Loaded(Inventory inventory, List<Workspace> workspaces, Compilation compilation, Trace trace) {
        static Loaded of(Inventory inv, List<Workspace> ws) {
            Compilation c = new Compiler(rules).compile(inv, ws);
            return new Loaded(inv, ws, c, Trace.of(c, inv, ws));
        }

        Matrix matrix(List<Trace.Port> ports) {
            return matrix("*", "*", ports);
        }

        Matrix matrix(String from, String to, List<Trace.Port> ports) {
            return MatrixEvaluation.evaluate(trace, Selection.of("--from", from, inventory, false),
                    Selection.of("--to", to, inventory, true), ports);
        }
    }

    /** Compares every cell with trace; returns the number of cells compared. */
    static long agreeEverywhere(Loaded l, List<Trace.Port> ports) {
        return agreeEverywhere(l.matrix(ports), l);
    }

    static long agreeEverywhere(Matrix m, Loaded l) {
        List<String> disagreements = new ArrayList<>();
        long[] n = {0};
        m.forEachCell(c -> {
            n[0]++;
            Verdict traced = l.trace().trace(c.from(), c.to(), c.port().protocol(), c.port().port()).verdict();
            if (traced != c.verdict()) disagreements.add(c + " but trace says " + traced);
        });
        assertThat(disagreements).isEmpty();
        assertThat(n[0]).isEqualTo(m.cellCount());
        return n[0];
    }

    @Test
    void everyCellOfTheDemoIsWhatTraceDecides() {
        Loaded demo = Loaded.of(InventoryReader.read(Path.of("config/demo/inventory")), PolicyReader.read(Path.of("config/demo/policies")));
        List<Trace.Port> ports = List.of(Trace.Port.parse("tcp/27017"), Trace.Port.parse("tcp/30017"), Trace.Port.parse("udp/53"),
                Trace.Port.parse("icmp"));
        long cells = agreeEverywhere(demo, ports);
        // 8 workloads: 8 x 7 ordered pairs on each of 4 ports, and the service db from each of them on its
        // port 27017 and its node port 30017
        assertThat(cells).isEqualTo(8 * 7 * 4 + 8 * 2);

        Map<String, Verdict> cell = new LinkedHashMap<>();
        demo.matrix(ports).forEachCell(c -> cell.put(c.from() + " " + c.to() + " " + c.port().text(), c.verdict()));
        assertThat(cell).containsEntry("pod/demo/web/web-prod-0 service/demo/data/db tcp/27017", Verdict.ALLOW)
                .containsEntry("pod/demo/web/web-dev-0 service/demo/data/db tcp/27017", Verdict.DENY)
                .containsEntry("host/backup-prod service/demo/data/db tcp/27017", Verdict.ALLOW)
                .containsEntry("host/backup-prod node/demo/node-1 tcp/30017", Verdict.ALLOW)
                .containsEntry("host/laptop-dev node/demo/node-1 tcp/30017", Verdict.DENY)
                // the production pod may use the service, not the pods' addresses directly
                .containsEntry("pod/demo/web/web-prod-0 pod/demo/data/db-0 tcp/27017", Verdict.DENY)
                .doesNotContainKey("pod/demo/data/db-0 pod/demo/data/db-0 tcp/27017");

        // selections that take part of a class: db-0 alone as source, both db pods as destinations
        Matrix part = demo.matrix("orchestrator_system/pod_name = db-0", "orchestrator_app = db", ports);
        assertThat(agreeEverywhere(part, demo)).isEqualTo(4 + 2);
        assertThat(cells(part)).containsOnlyKeys("pod/demo/data/db-0 pod/demo/data/db-1 tcp/27017",
                "pod/demo/data/db-0 pod/demo/data/db-1 tcp/30017", "pod/demo/data/db-0 pod/demo/data/db-1 udp/53",
                "pod/demo/data/db-0 pod/demo/data/db-1 icmp", "pod/demo/data/db-0 service/demo/data/db tcp/27017",
                "pod/demo/data/db-0 service/demo/data/db tcp/30017");
    }

    private static Map<String, Verdict> cells(Matrix m) {
        Map<String, Verdict> cell = new LinkedHashMap<>();
        m.forEachCell(c -> cell.put(c.from() + " " + c.to() + " " + c.port().text(), c.verdict()));
        return cell;
    }

    @Test
    void everyCellOfEveryScenarioIsWhatTraceDecides(@TempDir Path tmp) throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        int scenarios = 0;
        long cells = 0;
        for (Path file : ScenarioRunner.scenarioFiles(Path.of("tests/scenarios"))) {
            int document = 0;
            // every document of the file: a file may hold several scenarios (the states of one test)
            for (JsonNode root : yaml.readValues(yaml.getFactory().createParser(file.toFile()), JsonNode.class).readAll()) {
                JsonNode given = root.path("given");
                Path dir = tmp.resolve(file.getFileName().toString() + "-" + (document++));
                PolicyInputs policies = PolicyInputs.read(folder(yaml, file, given.path("policies"), dir.resolve("policies")));
                Inventory inv = policies.addTo(InventoryReader.readBoth(folder(yaml, file, given.path("inventory"), dir.resolve("inventory")),
                        w -> {})).inventory();
                Loaded l = Loaded.of(inv, policies.workspaces());
                cells += agreeEverywhere(l, portsOf(l));
                scenarios++;
            }
        }
        assertThat(scenarios).isGreaterThan(40);
        assertThat(cells).isGreaterThan(2_000);
    }

    /** A scenario's given inventory or policies as a folder: the one it names, or its documents written to {@code dir}. */
    private static Path folder(ObjectMapper yaml, Path scenario, JsonNode given, Path dir) throws Exception {
        if (given.isTextual()) return scenario.getParent().resolve(given.asText());
        int i = 0;
        for (JsonNode doc : given) TestFiles.write(dir.resolve("doc-" + (i++) + ".yaml"), yaml.writeValueAsString(doc));
        if (i == 0) TestFiles.write(dir.resolve("empty.yaml"), "");
        return dir;
    }

    /** Every port a rule or a service of the compile names (first and last of ranges), and ICMP. */
    static List<Trace.Port> portsOf(Loaded l) {
        Set<String> ports = new LinkedHashSet<>();
        ports.add("icmp");
        for (CompiledRule r : l.compilation().rules()) {
            if (!r.protocol().hasPorts() || r.ports().isEmpty()) continue;
            for (String end : r.ports().split("-")) ports.add(r.protocol().name() + "/" + end);
        }
        for (Service s : l.inventory().services()) {
            for (ServicePort sp : s.ports()) {
                if (!sp.protocol().hasPorts()) continue;
                ports.add(sp.protocol().name() + "/" + sp.port());
                if (sp.nodePort() != null) ports.add(sp.protocol().name() + "/" + sp.nodePort());
            }
        }
        if (ports.size() == 1) ports.add(Protocol.TCP.name() + "/80");
        return ports.stream().map(Trace.Port::parse).toList();
    }
}
