package io.microseg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.compile.CompilationAssembler;
import io.microseg.compile.RuleBase;
import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.Codec;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.RuleOrder;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.Workload;
import io.microseg.facts.FirewallRule;
import io.microseg.facts.GroupRule;
import io.microseg.facts.WorkloadKind;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The groups form of the bench-wire comparison gives back exactly the rules the feed sends: every field
 * of a rule survives grouping, the wire and expansion, ids included (digested by the compiler, not by the
 * form), and its deltas bring an agent to the same rules. Then the bench itself on a tiny cluster.
 */
class WireFormsTest {
    private static final String A = "pod/prod/shop/web-0";
    private static final String B = "pod/prod/shop/web-1";

    /** A rule as the compiler makes it: its id digested from the fact by {@link CompilationAssembler#idOf}. */
    private static CompiledRule rule(String workload, Direction d, Action a, Protocol p, String ports, String peer, String local, Rank rank,
                                     int priority, String policy, String drl, Enforcement e, boolean afterDnat) {
        GroupRule g = new GroupRule(null, d, a, p, ports, peer, local, rank, priority, policy, drl, List.of("policy:" + policy), e, afterDnat);
        FirewallRule f = new FirewallRule(g, new io.microseg.facts.Workload(workload, WorkloadKind.POD, "prod", workload));
        return new CompiledRule(CompilationAssembler.idOf(f), workload, d, a, p, ports, peer, local, drl, policy, rank, priority, List.of(), e, afterDnat);
    }

    /** Rules on two workloads where each optional field is set somewhere, and pairs that differ by one field only. */
    private static List<CompiledRule> everyField() {
        List<CompiledRule> rules = new ArrayList<>();
        for (String w : List.of(A, B)) {
            rules.add(rule(w, Direction.INGRESS, Action.ALLOW, Protocol.TCP, "8080", "match:shop-clients", null, Rank.DEFAULT, 100,
                    "shop/clients", "netpol-ingress", Enforcement.ENFORCE, false));
            rules.add(rule(w, Direction.INGRESS, Action.ALLOW, Protocol.TCP, "8080", "match:shop-clients", "loadbalancer:prod/shop/web",
                    Rank.DEFAULT, 100, "shop/clients", "netpol-ingress", Enforcement.ENFORCE, false));
            rules.add(rule(w, Direction.EGRESS, Action.DENY, Protocol.ANY, "", null, null, Rank.CATCHALL, 0, "shop/catch-all",
                    "catch-all-egress", Enforcement.AUDIT, false));
            rules.add(rule(w, Direction.EGRESS, Action.DENY, Protocol.ANY, "", null, null, Rank.CATCHALL, 0, "shop/catch-all",
                    "catch-all-egress", Enforcement.ENFORCE, false));
            rules.add(rule(w, Direction.EGRESS, Action.ALLOW, Protocol.UDP, "53", "match:dns", null, Rank.DEFAULT, 100, "shop/dns",
                    "netpol-egress", Enforcement.ENFORCE, true));
            rules.add(rule(w, Direction.EGRESS, Action.ALLOW, Protocol.UDP, "53", "match:dns", null, Rank.DEFAULT, 100, "shop/dns",
                    "netpol-egress", Enforcement.ENFORCE, false));
            rules.add(rule(w, Direction.INGRESS, Action.PASS, Protocol.SCTP, "9000-9010", "match:ops", null, Rank.ADMIN, 7, "cnp/ops",
                    "cnp-pass", Enforcement.ENFORCE, false));
            rules.add(rule(w, Direction.INGRESS, Action.PASS, Protocol.SCTP, "9000-9010", "match:ops", null, Rank.BASELINE, 8, "cnp/ops",
                    "cnp-pass", Enforcement.ENFORCE, false));
        }
        // one rule on one workload only
        rules.add(rule(A, Direction.INGRESS, Action.ALLOW, Protocol.ICMP, "", "nodes:prod", null, Rank.ABSOLUTE, 1, "shop/ping",
                "ping", Enforcement.ENFORCE, false));
        RuleOrder.sort(rules);
        return rules;
    }

    /**
     * The same rules, in evaluation order. Compared in any order: the pairs here that differ only by
     * enforcement or afterDnat tie in {@link RuleOrder} (no workload has such a pair: a workspace has one
     * enforcement), so their order is that of the input.
     */
    private static void assertSameRules(List<CompiledRule> actual, List<CompiledRule> expected) {
        assertThat(actual).containsExactlyInAnyOrderElementsOf(expected).isSortedAccordingTo(RuleOrder.EVALUATION);
    }

    @Test
    void aSnapshotOfEveryFieldComesBackAsTheSameRules() throws Exception {
        List<CompiledRule> rules = everyField();
        GroupedRules g = GroupedRules.group(rules);
        assertThat(g.templates()).as("rules that differ in any field but the workload are different templates").isEqualTo(9);
        assertThat(g.rules()).isEqualTo(rules.size());

        List<AddressSet> sets = List.of(new AddressSet("match:dns", "workloads matching: dns", List.of("10.0.0.10")));
        List<Workload> workloads = List.of(new Workload(A, List.of("10.244.0.5")), new Workload(B, List.of()));
        byte[] line = GroupsWire.line(new GroupsWire.Snapshot(7, false, g, sets, workloads), "e");
        GroupsWire.Snapshot back = GroupsWire.decodeSnapshot(new String(line, StandardCharsets.UTF_8));

        assertSameRules(back.rules().expand(), rules);
        assertThat(back.sets()).isEqualTo(sets);
        assertThat(back.workloads()).isEqualTo(workloads);
        // the same rules as the feed's own line, decoded by the agent's codec
        AgentEvent.Snapshot expanded = (AgentEvent.Snapshot) Codec.decodeEvent(new String(
                Codec.line(new AgentEvent.Snapshot(7, false, rules, sets, workloads), "e"), StandardCharsets.UTF_8)).event();
        assertSameRules(back.rules().expand(), expanded.rules());
    }

    @Test
    void aDeltaBringsTheAgentToTheSameRulesAndSaysOnlyWhatChanged() throws Exception {
        List<CompiledRule> before = everyField();
        List<CompiledRule> after = new ArrayList<>(before);
        // B leaves the afterDnat template, a new policy's rule comes to A, the ping template goes
        CompiledRule leaving = before.stream().filter(r -> r.workload().equals(B) && r.afterDnat()).findFirst().orElseThrow();
        CompiledRule ping = before.stream().filter(r -> r.protocol() == Protocol.ICMP).findFirst().orElseThrow();
        CompiledRule coming = rule(A, Direction.INGRESS, Action.ALLOW, Protocol.TCP, "443", "match:edge", null, Rank.DEFAULT, 50,
                "shop/edge", "netpol-ingress", Enforcement.ENFORCE, false);
        CompiledRule joining = before.stream().filter(r -> r.workload().equals(A) && r.afterDnat()).findFirst().orElseThrow();
        after.remove(leaving);
        after.remove(ping);
        after.add(coming);
        RuleOrder.sort(after);
        AgentEvent.Delta feedDelta = new AgentEvent.Delta(8, List.of(coming), List.of(leaving.id(), ping.id()), List.of(), List.of(),
                List.of(new SetChange("match:dns", null, List.of("10.0.0.11"), List.of())), List.of(), List.of());

        GroupedRules held = GroupedRules.group(before);
        Map<RuleTemplate, String> names = new HashMap<>();
        Map<String, GroupsDeltas.Member> index = new HashMap<>();
        for (CompiledRule r : before) index.put(r.id(), new GroupsDeltas.Member(names.computeIfAbsent(RuleTemplate.of(r), RuleTemplate::id), r.workload()));
        GroupedRules agent = held.copy();

        GroupsWire.Delta d = GroupsDeltas.of(feedDelta, held, index, names);
        assertThat(d.templatesAdded()).hasSize(1);
        assertThat(d.templatesRemoved()).containsExactly(RuleTemplate.of(ping).id());
        assertThat(d.members()).containsExactly(new GroupsWire.Members(RuleTemplate.of(joining).id(), List.of(), List.of(B)));
        assertThat(d).isEqualTo(GroupsDeltas.between(GroupedRules.group(before), GroupedRules.group(after), feedDelta));

        GroupsWire.Delta received = GroupsWire.decodeDelta(new String(GroupsWire.line(d), StandardCharsets.UTF_8));
        GroupsDeltas.Rendered rendered = GroupsDeltas.render(agent, received);
        GroupsDeltas.apply(agent, received);
        assertSameRules(agent.expand(), after);
        assertSameRules(held.expand(), after);
        assertThat(rendered.added()).containsExactly(coming);
        assertThat(rendered.removed()).containsExactlyInAnyOrder(leaving.id(), ping.id());
        assertThat(received.shared().setMembers()).isEqualTo(feedDelta.setMembers());
    }

    @Test
    void theBenchOnATinyClusterReportsBothFormsOfEveryAgentAndChecksThem() throws Exception {
        Map<String, Object> report = new WireBench(RuleBase.packaged(), line -> {})
                .run(new WireOptions(ClusterShape.mixed(200, 5, 40, 50), 3, 0, 2, 1));
        JsonNode json = new ObjectMapper().readTree(Codec.bytes(report));

        int agents = json.get("agents").asInt();
        assertThat(agents).isGreaterThan(5);
        assertThat(json.get("agentsMeasured").asInt()).isEqualTo(agents);
        JsonNode s = json.get("snapshot");
        assertThat(s.get("checked").asInt()).as("every agent's groups form was rebuilt and compared").isEqualTo(agents);
        assertThat(s.get("rules").asLong()).isGreaterThan(s.get("templates").asLong());
        assertThat(json.get("distinctTemplates").asLong()).isPositive().isLessThanOrEqualTo(s.get("templates").asLong());
        for (String form : List.of("expanded", "groups")) {
            assertThat(s.get(form).get("bytes").get("total").asLong()).as(form).isPositive();
            assertThat(s.get(form).get("bytes").get("max").asLong()).isGreaterThanOrEqualTo(s.get(form).get("bytes").get("p50").asLong());
            assertThat(s.get(form).get("agentDecodeCpuMicros").get("total").asLong()).as(form).isPositive();
        }
        assertThat(s.get("groups").get("agentExpandCpuMicros").get("total").asLong()).isPositive();
        for (String field : List.of("engineHeapBytes", "feedHeldBytes", "expandedHeldBytes", "groupsHeldBytes")) assertThat(json.get("memory").has(field)).as(field).isTrue();

        JsonNode deltas = json.get("deltas");
        for (ChangeKind kind : List.of(ChangeKind.POD_ADD, ChangeKind.POD_DELETE, ChangeKind.POD_RELABEL, ChangeKind.SERVICE_TYPE,
                ChangeKind.POLICY_ADD, ChangeKind.POLICY_DELETE)) {
            JsonNode k = deltas.get(kind.field());
            assertThat(k).as(kind.field()).isNotNull();
            assertThat(k.get("changes").asInt()).isEqualTo(2);
            for (String form : List.of("expanded", "groups")) {
                assertThat(k.get(form).has("bytesPerChange")).isTrue();
                assertThat(k.get(form).has("serverCpuMicrosPerChange")).isTrue();
                assertThat(k.get(form).has("agentCpuMicrosPerDelta")).isTrue();
            }
        }
        assertThat(deltas.get("podAdd").get("expanded").get("bytesPerChange").get("total").asLong()).isPositive();
        assertThat(deltas.get("checked").asLong()).as("every agent delta was checked against the feed").isPositive();
    }
}
