package io.microseg.controlplane;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CodecTest {
    private static final CompiledRule ALLOW = new CompiledRule("r1", "pod/k/ns/a", Direction.INGRESS, Action.ALLOW, Protocol.TCP,
            "80,8080-8090", "consumers:1", null, "Pods accept their consumers", "ws/p1", Rank.DEFAULT, 10, List.of());
    private static final CompiledRule LOCAL = new CompiledRule("r2", "node/k/n1", Direction.INGRESS, Action.DENY, Protocol.ANY,
            "", null, "lb:1", "The nodes accept the consumers on the load balancer's addresses", "ws/catch-all", Rank.CATCHALL, 0, List.of());
    private static final Workload NODE = new Workload("node/k/n1", List.of("192.168.1.10"));
    private static final Workload POD = new Workload("pod/k/ns/a", List.of("fd00::a", "10.0.0.1"));
    private static final AddressSet SET = new AddressSet("consumers:1", "the consumers of ws/p1", List.of("10.0.0.1", "fd00::/64"));

    private static AgentEvent roundTrip(AgentEvent e, String epoch) throws Exception {
        byte[] line = Codec.line(e, epoch);
        assertThat(line[line.length - 1]).as("one line, newline-terminated").isEqualTo((byte) '\n');
        Codec.Decoded d = Codec.decodeEvent(new String(line, StandardCharsets.UTF_8).trim());
        assertThat(d.epoch()).isEqualTo(e instanceof AgentEvent.Delta ? null : epoch);
        return d.event();
    }

    @Test
    void everyEventSurvivesARoundTrip() throws Exception {
        var snapshot = new AgentEvent.Snapshot(7, true, List.of(ALLOW, LOCAL), List.of(SET, new AddressSet("lb:1", "", List.of())),
                List.of(NODE, POD, new Workload("pod/k/ns/pending", List.of())));
        var delta = new AgentEvent.Delta(8, List.of(LOCAL), List.of("r1"), List.of(SET), List.of("old:2"),
                List.of(new SetChange("consumers:1", "renamed", List.of("10.0.0.2"), List.of("10.0.0.1")),
                        new SetChange("other:3", null, List.of(), List.of("10.9.9.9"))),
                List.of(POD), List.of("pod/k/ns/gone"));
        var bookmark = new AgentEvent.Bookmark(9);
        assertThat(roundTrip(snapshot, "e1")).isEqualTo(snapshot);
        assertThat(roundTrip(delta, "e1")).isEqualTo(delta);
        assertThat(roundTrip(bookmark, "e2")).isEqualTo(bookmark);
    }

    @Test
    void rulesTravelWithoutTheirJustifications() throws Exception {
        var justified = new CompiledRule("r1", "pod/k/ns/a", Direction.INGRESS, Action.ALLOW, Protocol.TCP, "80", "consumers:1", null,
                "rule", "ws/p1", Rank.DEFAULT, 10, List.of(new Justification(new RuleSource("rule", "rules/x.drl", 3, "text"), List.of("f1"))));
        var back = (AgentEvent.Snapshot) roundTrip(new AgentEvent.Snapshot(1, false, List.of(justified), List.of(SET), List.of()), "e");
        assertThat(back.rules().get(0).justifications()).isEmpty();
        assertThat(back.rules().get(0)).usingRecursiveComparison().ignoringFields("justifications").isEqualTo(justified);
    }

    @Test
    void theEpochIsTheTopLevelFieldNotANestedOne() throws Exception {
        String line = "{\"type\":\"snapshot\",\"version\":7,\"replace\":false,\"rules\":[],\"sets\":[{\"id\":\"s\",\"description\":\"epoch\","
                + "\"members\":[]}],\"workloads\":[{\"id\":\"epoch\",\"addresses\":[]}],\"epoch\":\"top\"}";
        assertThat(Codec.decodeEvent(line).epoch()).isEqualTo("top");
        assertThat(Codec.decodeEvent("{\"type\":\"bookmark\",\"version\":3}").epoch()).as("an older server").isNull();
    }

    @Test
    void aMalformedEventNamesTheFieldAndIsNotPartlyDecoded() {
        assertThatThrownBy(() -> Codec.decodeEvent("{\"type\":\"snapshot\",\"version\":1,\"replace\":false,\"rules\":[{\"id\":\"r\"}],\"sets\":[]}"))
                .isInstanceOf(Codec.WireFormatException.class).hasMessageContaining("'rules[0].workload'").hasMessageContaining("missing");
        assertThatThrownBy(() -> Codec.decodeEvent(new String(Codec.line(new AgentEvent.Snapshot(1, false, List.of(ALLOW), List.of(), List.of()), "e"),
                StandardCharsets.UTF_8).replace("\"INGRESS\"", "\"SIDEWAYS\"")))
                .hasMessageContaining("'rules[0].direction'").hasMessageContaining("SIDEWAYS").hasMessageContaining("INGRESS");
        assertThatThrownBy(() -> Codec.decodeEvent("{\"type\":\"delta\",\"version\":\"8\"}")).hasMessageContaining("'version'")
                .hasMessageContaining("integer");
        assertThatThrownBy(() -> Codec.decodeEvent("{\"type\":\"gossip\",\"version\":8}")).hasMessageContaining("'type'");
        assertThatThrownBy(() -> Codec.decodeEvent("{\"type\":\"delta\",\"version\":8,\"rulesAdded\":[],\"rulesRemoved\":[1],"
                + "\"setsAdded\":[],\"setsRemoved\":[],\"setMembers\":[]}")).hasMessageContaining("'rulesRemoved[0]'");
        assertThatThrownBy(() -> Codec.decodeEvent("[1,2]")).hasMessageContaining("JSON object");
        String delta = "{\"type\":\"delta\",\"version\":8,\"rulesAdded\":[],\"rulesRemoved\":[],\"setsAdded\":[],\"setsRemoved\":[],"
                + "\"setMembers\":[]";
        assertThatThrownBy(() -> Codec.decodeEvent(delta + ",\"workloadsAdded\":[{\"id\":\"pod/k/ns/a\",\"addresses\":[\"10.0.0.1\",7]}],"
                + "\"workloadsRemoved\":[]}")).hasMessageContaining("'workloadsAdded[0].addresses[1]'");
        assertThatThrownBy(() -> Codec.decodeEvent(delta + ",\"workloadsAdded\":[{\"addresses\":[]}],\"workloadsRemoved\":[]}"))
                .hasMessageContaining("'workloadsAdded[0].id'").hasMessageContaining("missing");
        assertThatThrownBy(() -> Codec.decodeEvent(delta + ",\"workloadsAdded\":[],\"workloadsRemoved\":[\"a\",null]}"))
                .hasMessageContaining("'workloadsRemoved[1]'");
        assertThatThrownBy(() -> Codec.decodeEvent("{\"type\":")).hasMessageContaining("not JSON");
    }

    @Test
    void workloadAddressesTravelInTheirCanonicalOrder() throws Exception {
        assertThat(POD.addresses()).as("IPv4 before IPv6, whatever the inventory's order").containsExactly("10.0.0.1", "fd00::a");
        assertThat(new Workload("w", List.of("10.0.0.10", "10.0.0.9", "10.0.0.9")).addresses()).containsExactly("10.0.0.9", "10.0.0.10");
        var back = (AgentEvent.Snapshot) roundTrip(new AgentEvent.Snapshot(1, false, List.of(), List.of(), List.of(POD)), "e");
        assertThat(back.workloads()).containsExactly(POD);
    }

    /**
     * Every list is required: a stream without the workload lists (from a server that does not send them)
     * is refused, naming the field, rather than read as "no workloads placed here".
     */
    @Test
    void aStreamWithoutWorkloadsIsRefusedNotReadAsEmpty() {
        assertThatThrownBy(() -> Codec.decodeEvent("{\"type\":\"snapshot\",\"version\":1,\"replace\":false,\"rules\":[],\"sets\":[]}"))
                .isInstanceOf(Codec.WireFormatException.class).hasMessageContaining("'workloads'").hasMessageContaining("missing");
        String delta = "{\"type\":\"delta\",\"version\":8,\"rulesAdded\":[],\"rulesRemoved\":[],\"setsAdded\":[],\"setsRemoved\":[],"
                + "\"setMembers\":[]";
        assertThatThrownBy(() -> Codec.decodeEvent(delta + "}")).hasMessageContaining("'workloadsAdded'").hasMessageContaining("missing");
        assertThatThrownBy(() -> Codec.decodeEvent(delta + ",\"workloadsAdded\":[]}")).hasMessageContaining("'workloadsRemoved'");
        assertThatThrownBy(() -> Codec.decodeEvent(delta + ",\"workloadsAdded\":{},\"workloadsRemoved\":[]}"))
                .hasMessageContaining("'workloadsAdded'").hasMessageContaining("array");
    }

    @Test
    void aStatusReportSurvivesARoundTripAndAMalformedOneNamesTheField() throws Exception {
        var status = new AgentStatus("node/k/n1", "e1", 42, List.of(
                new AgentStatus.NamespaceStatus("node/k/n1", "", true, 12, null),
                new AgentStatus.NamespaceStatus("pod/k/ns/a", "/proc/123/ns/net", false, 3, "Error: Could not process rule")),
                List.of("pod/k/ns/b"), "nft failed for pod/k/ns/a");
        assertThat(Codec.decodeStatus(new String(Codec.bytes(Codec.status(status)), StandardCharsets.UTF_8))).isEqualTo(status);
        assertThat(status.healthy()).isFalse();
        assertThatThrownBy(() -> Codec.decodeStatus("{\"identity\":\"node/k/n1\",\"appliedVersion\":1,\"namespaces\":[{\"workload\":\"w\","
                + "\"netns\":\"\",\"applied\":\"yes\",\"rules\":1}],\"pendingPods\":[]}"))
                .hasMessageContaining("'namespaces[0].applied'").hasMessageContaining("true or false");
    }
}
