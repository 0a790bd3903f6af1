package io.microseg.controlplane;

import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Audit mode on the wire: a rule's enforcement, and the audit counters of a status report. */
class AuditCodecTest {
    private static final CompiledRule AUDITED = new CompiledRule("0123456789ab", "pod/k/ns/a", Direction.INGRESS, Action.DENY,
            Protocol.ANY, "", null, null, "catch-all", "ws/catch-all", Rank.CATCHALL, 0, List.of(), Enforcement.AUDIT);

    private static String json(Object o) {
        return new String(Codec.bytes(o), StandardCharsets.UTF_8);
    }

    @Test
    void anAuditedRuleSurvivesARoundTripAndAnEnforcedOneCarriesNoField() throws Exception {
        var snapshot = new AgentEvent.Snapshot(3, false, List.of(AUDITED), List.of(), List.of());
        var back = Codec.decodeEvent(new String(Codec.line(snapshot, "e"), StandardCharsets.UTF_8).trim()).event();
        assertThat(back).isEqualTo(snapshot);
        assertThat(((AgentEvent.Snapshot) back).rules().get(0).audited()).isTrue();
        assertThat(Codec.rule(AUDITED)).containsEntry("enforcement", "AUDIT");
        CompiledRule enforced = new CompiledRule("r", "pod/k/ns/a", Direction.INGRESS, Action.DENY, Protocol.ANY, "", null, null,
                "catch-all", "ws/catch-all", Rank.CATCHALL, 0, List.of());
        assertThat(Codec.rule(enforced)).doesNotContainKey("enforcement");
    }

    @Test
    void aRuleWithAnUnknownEnforcementIsRefusedNamingTheField() {
        String rule = json(Codec.rule(AUDITED)).replace("\"AUDIT\"", "\"DRYRUN\"");
        String line = "{\"type\":\"snapshot\",\"version\":1,\"replace\":false,\"rules\":[" + rule + "],\"sets\":[],\"workloads\":[]}";
        assertThatThrownBy(() -> Codec.decodeEvent(line)).isInstanceOf(Codec.WireFormatException.class)
                .hasMessage("field 'rules[0].enforcement': expected one of [ENFORCE, AUDIT], found 'DRYRUN'");
        String number = line.replace("\"DRYRUN\"", "1");
        assertThatThrownBy(() -> Codec.decodeEvent(number)).hasMessageContaining("field 'rules[0].enforcement': expected a string");
    }

    @Test
    void auditCountersSurviveARoundTrip() throws Exception {
        var status = new AgentStatus("node/k/n1", "e1", 42, List.of(), List.of(), null,
                List.of(new AgentStatus.RuleCounter("0123456789ab", "7/12,13", 5, 300), new AgentStatus.RuleCounter("ba9876543210", "7/20", 0, 0)));
        assertThat(Codec.decodeStatus(json(Codec.status(status)))).isEqualTo(status);
    }

    @Test
    void aReportWithoutCountersHasNone() throws Exception {
        var status = new AgentStatus("node/k/n1", "e1", 42, List.of(), List.of(), null);
        String text = json(Codec.status(status)).replace(",\"auditCounters\":[]", "");
        assertThat(text).doesNotContain("auditCounters");
        assertThat(Codec.decodeStatus(text).auditCounters()).isEmpty();
    }

    @Test
    void malformedCountersAreRefusedNamingTheField() {
        String base = "{\"identity\":\"node/k/n1\",\"appliedVersion\":1,\"namespaces\":[],\"pendingPods\":[],\"auditCounters\":%s}";
        assertRefused(base.formatted("{}"), "field 'auditCounters': expected an array, found OBJECT");
        assertRefused(base.formatted("[{\"rule\":\"r\",\"instance\":\"1/2\",\"packets\":-1,\"bytes\":0}]"),
                "field 'auditCounters[0].packets': expected a count, found -1");
        assertRefused(base.formatted("[{\"rule\":\"r\",\"instance\":\"1/2\",\"packets\":1,\"bytes\":\"9\"}]"),
                "field 'auditCounters[0].bytes': expected an integer, found STRING");
        assertRefused(base.formatted("[{\"rule\":\"r\",\"packets\":1,\"bytes\":9}]"), "field 'auditCounters[0].instance': missing");
        assertRefused(base.formatted("[{\"rule\":\"r\",\"instance\":\"1/2\",\"packets\":1,\"bytes\":9},"
                + "{\"rule\":\"r\",\"instance\":\"1/3\",\"packets\":1,\"bytes\":9}]"), "field 'auditCounters[1].rule': expected each rule once, found r again");
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= AgentStatus.MAX_AUDIT_COUNTERS; i++) many.add("{\"rule\":\"r" + i + "\",\"instance\":\"1\",\"packets\":0,\"bytes\":0}");
        assertRefused(base.formatted("[" + String.join(",", many) + "]"),
                "field 'auditCounters': expected at most " + AgentStatus.MAX_AUDIT_COUNTERS + " entries, found " + (AgentStatus.MAX_AUDIT_COUNTERS + 1));
    }

    private static void assertRefused(String body, String message) {
        assertThatThrownBy(() -> Codec.decodeStatus(body)).isInstanceOf(Codec.WireFormatException.class).hasMessage(message);
    }
}
