package io.microseg.compile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.controlplane.CompiledRule;
import io.microseg.explain.FlowTrace;
import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.Action;
import io.microseg.policy.Enforcement;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo compiled with its workspace in audit mode: the same rules, marked, with other ids; the
 * compile JSON and table show the mode; trace passes over an audited DENY.
 */
class AuditCompileTest {
    private static final Path DEMO = Path.of("config/demo/policies/demo.yaml");
    private static Inventory inventory;
    private static Compilation enforced;
    private static Compilation audited;
    private static List<Workspace> auditedWorkspaces;

    @BeforeAll
    static void compile() {
        RuleBase rules = RuleBase.packaged();
        inventory = InventoryReader.read(Path.of("config/demo/inventory"));
        String text = TestFiles.read(DEMO);
        List<Workspace> ws = PolicyReader.read(YamlDocuments.parse("demo.yaml", text));
        auditedWorkspaces = PolicyReader.read(YamlDocuments.parse("demo.yaml",
                text.replace("  catchAll:\n", "  enforcement: audit\n  catchAll:\n")));
        assertThat(auditedWorkspaces.get(0).enforcement()).isEqualTo(Enforcement.AUDIT);
        enforced = new Compiler(rules).compile(inventory, ws);
        audited = new Compiler(rules).compile(inventory, auditedWorkspaces);
    }

    @Test
    void every_rule_is_still_there_marked_audit_with_a_different_deterministic_id() {
        assertThat(audited.rules()).hasSameSizeAs(enforced.rules()).isNotEmpty();
        assertThat(audited.rules()).allSatisfy(r -> assertThat(r.enforcement()).isEqualTo(Enforcement.AUDIT));
        assertThat(enforced.rules()).allSatisfy(r -> assertThat(r.enforcement()).isEqualTo(Enforcement.ENFORCE));
        Set<String> before = enforced.rules().stream().map(CompiledRule::id).collect(Collectors.toSet());
        assertThat(audited.rules()).noneMatch(r -> before.contains(r.id()));
        // the same content otherwise, in the same order
        assertThat(audited.rules()).extracting(r -> List.of(r.workload(), r.direction(), r.action(), r.ports(), String.valueOf(r.peerSet()), r.policy()))
                .isEqualTo(enforced.rules().stream().map(r -> List.of(r.workload(), r.direction(), r.action(), r.ports(), String.valueOf(r.peerSet()), r.policy())).toList());
        Compilation again = new Compiler(RuleBase.packaged()).compile(inventory, auditedWorkspaces);
        assertThat(again.rules()).extracting(CompiledRule::id).isEqualTo(audited.rules().stream().map(CompiledRule::id).toList());
        assertThat(audited.rules()).filteredOn(r -> r.action() == Action.DENY).isNotEmpty().allMatch(CompiledRule::audited);
        assertThat(audited.rules()).filteredOn(r -> r.action() == Action.ALLOW).isNotEmpty().noneMatch(CompiledRule::audited);
    }

    @Test
    void the_compile_json_carries_enforcement_only_on_audited_rules() throws Exception {
        JsonNode a = new ObjectMapper().readTree(CompilationJson.write(audited));
        JsonNode e = new ObjectMapper().readTree(CompilationJson.write(enforced));
        assertThat(a.get("rules")).allSatisfy(r -> assertThat(r.get("enforcement").asText()).isEqualTo("AUDIT"));
        assertThat(e.get("rules")).allSatisfy(r -> assertThat(r.has("enforcement")).isFalse());
    }

    @Test
    void the_table_marks_the_action() {
        String table = CompilationTable.write(audited);
        assertThat(table).contains(" DENY(audit) ").contains(" ALLOW(audit) ");
        assertThat(CompilationTable.write(enforced)).doesNotContain("(audit)");
    }

    @Test
    void trace_passes_over_an_audited_deny_and_names_it() {
        Trace enforcedTrace = Trace.of(enforced, inventory, PolicyReader.read(YamlDocuments.parse("demo.yaml", TestFiles.read(DEMO))));
        Trace auditedTrace = Trace.of(audited, inventory, auditedWorkspaces);
        String from = "pod/demo/web/web-dev-0";
        assertThat(enforcedTrace.trace(from, "db.data", "tcp/27017").verdict()).isEqualTo(Verdict.DENY);
        FlowTrace t = auditedTrace.trace(from, "db.data", "tcp/27017");
        assertThat(t.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(t.hops().get(0).decision()).contains("passed audited DENY rule ").contains("demo/catch-all")
                .contains("counted and logged, not dropped");
    }

    @Test
    void an_enforced_workspace_still_drops_what_an_audited_one_passes() {
        String other = """
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: guard}
                spec:
                  scope: "orchestrator_system/pod_name = web-dev-0"
                  catchAll: {egress: DENY}
                """;
        List<Workspace> both = new java.util.ArrayList<>(auditedWorkspaces);
        both.addAll(PolicyReader.read(YamlDocuments.parse("guard.yaml", other)));
        Compilation c = new Compiler(RuleBase.packaged()).compile(inventory, both);
        FlowTrace t = Trace.of(c, inventory, both).trace("pod/demo/web/web-dev-0", "db.data", "tcp/27017");
        assertThat(t.verdict()).isEqualTo(Verdict.DENY);
        assertThat(t.hops().get(0).rule().policy()).isEqualTo("guard/catch-all");
        assertThat(t.hops().get(0).decision()).contains("passed audited DENY");
    }
}
