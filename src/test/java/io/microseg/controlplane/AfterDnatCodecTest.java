package io.microseg.controlplane;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A rule judged after DNAT (a NetworkPolicy's egress) on the wire: {@code afterDnat}, true or missing. */
class AfterDnatCodecTest {
    private static final CompiledRule AFTER_DNAT = new CompiledRule("0123456789ab", "pod/k/ns/a", Direction.EGRESS, Action.ALLOW,
            Protocol.TCP, "8080", "match:x", null, "r", "netpol/k/ns/np", Rank.DEFAULT, 1000, List.of(), Enforcement.ENFORCE, true);

    @Test
    void aRuleJudgedAfterDnatSurvivesARoundTripAndOthersCarryNoField() throws Exception {
        var snapshot = new AgentEvent.Snapshot(3, false, List.of(AFTER_DNAT), List.of(), List.of());
        var back = Codec.decodeEvent(new String(Codec.line(snapshot, "e"), StandardCharsets.UTF_8).trim()).event();
        assertThat(back).isEqualTo(snapshot);
        assertThat(((AgentEvent.Snapshot) back).rules().get(0).afterDnat()).isTrue();
        assertThat(Codec.rule(AFTER_DNAT)).containsEntry("afterDnat", true);
        CompiledRule plain = new CompiledRule("r", "pod/k/ns/a", Direction.EGRESS, Action.ALLOW, Protocol.TCP, "80", null, null,
                "r", "ws/p", Rank.DEFAULT, 1, List.of());
        assertThat(Codec.rule(plain)).doesNotContainKey("afterDnat");
    }

    @Test
    void anAfterDnatThatIsNoBooleanIsRefusedNamingTheField() {
        String rule = new String(Codec.bytes(Codec.rule(AFTER_DNAT)), StandardCharsets.UTF_8).replace("\"afterDnat\":true", "\"afterDnat\":\"yes\"");
        String line = "{\"type\":\"snapshot\",\"version\":1,\"replace\":false,\"rules\":[" + rule + "],\"sets\":[],\"workloads\":[]}";
        assertThatThrownBy(() -> Codec.decodeEvent(line)).isInstanceOf(Codec.WireFormatException.class)
                .hasMessage("field 'rules[0].afterDnat': expected true or false");
    }
}
