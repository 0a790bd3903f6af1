package io.microseg.feed;

import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.Justification;
import io.microseg.controlplane.RuleSource;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.Workload;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.microseg.feed.FeedStoreTest.rule;
import static io.microseg.feed.FeedStoreTest.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Coalescing two consecutive deltas of one agent into one that does the same. */
class DeltasTest {
    static final CompiledRule R1 = rule("r1", "pod/k/ns/p1", "s1");
    static final CompiledRule R2 = rule("r2", "pod/k/ns/p1", "s2");

    static AgentEvent.Delta delta(long version, List<CompiledRule> rulesAdded, List<String> rulesRemoved,
                                  List<AddressSet> setsAdded, List<String> setsRemoved, List<SetChange> setMembers) {
        return new AgentEvent.Delta(version, rulesAdded, rulesRemoved, setsAdded, setsRemoved, setMembers, List.of(), List.of());
    }

    static AgentEvent.Delta workloads(long version, List<Workload> added, List<String> removed) {
        return new AgentEvent.Delta(version, List.of(), List.of(), List.of(), List.of(), List.of(), added, removed);
    }

    static SetChange members(String set, List<String> added, List<String> removed) {
        return new SetChange(set, "set " + set, added, removed);
    }

    static final AgentEvent.Delta EMPTY_2 = delta(2, List.of(), List.of(), List.of(), List.of(), List.of());

    @Test
    void theMergedDeltaHasTheNewerVersionAndBothChanges() {
        AgentEvent.Delta older = delta(1, List.of(R1), List.of("r0"), List.of(set("s1", "10.0.0.1")), List.of("s0"), List.of());
        AgentEvent.Delta newer = delta(2, List.of(R2), List.of("r9"), List.of(set("s2")), List.of("s9"),
                List.of(members("s3", List.of("10.0.0.5"), List.of("10.0.0.6"))));
        assertThat(Deltas.merge(older, newer)).isEqualTo(delta(2, List.of(R1, R2), List.of("r0", "r9"),
                List.of(set("s1", "10.0.0.1"), set("s2")), List.of("s0", "s9"),
                List.of(members("s3", List.of("10.0.0.5"), List.of("10.0.0.6")))));
    }

    @Test
    void aRuleAndItsSetAddedThenRemovedCancel() {
        AgentEvent.Delta older = delta(1, List.of(R1), List.of(), List.of(set("s1", "10.0.0.1")), List.of(), List.of());
        AgentEvent.Delta newer = delta(2, List.of(), List.of("r1"), List.of(), List.of("s1"), List.of());
        assertThat(Deltas.merge(older, newer)).isEqualTo(EMPTY_2);
    }

    @Test
    void aRuleRemovedThenAddedAgainEndsUpAsTheNewerRule() {
        CompiledRule again = new CompiledRule(R1.id(), R1.workload(), R1.direction(), R1.action(), R1.protocol(), R1.ports(),
                R1.peerSet(), R1.localSet(), R1.rule(), R1.policy(), R1.rank(), R1.priority(),
                List.of(new Justification(new RuleSource("x", "rules/x.drl", 1, ""), List.of("pod p1"))));
        AgentEvent.Delta older = delta(1, List.of(), List.of("r1"), List.of(), List.of(), List.of());
        AgentEvent.Delta newer = delta(2, List.of(again), List.of(), List.of(), List.of(), List.of());
        AgentEvent.Delta merged = Deltas.merge(older, newer);
        assertThat(merged.rulesAdded()).containsExactly(again);
        assertThat(merged.rulesRemoved()).as("the agent held the older one: replaced").containsExactly("r1");
        // and removed once more: removed, whatever came in between
        assertThat(Deltas.merge(merged, delta(3, List.of(), List.of("r1"), List.of(), List.of(), List.of())))
                .isEqualTo(delta(3, List.of(), List.of("r1"), List.of(), List.of(), List.of()));
    }

    @Test
    void aSetRemovedThenAddedAgainIsRemovedAndAddedWhole() {
        AgentEvent.Delta older = delta(1, List.of(), List.of("r1"), List.of(), List.of("s1"), List.of());
        AgentEvent.Delta newer = delta(2, List.of(R1), List.of(), List.of(set("s1", "10.0.0.2")), List.of(), List.of());
        AgentEvent.Delta merged = Deltas.merge(older, newer);
        assertThat(merged).isEqualTo(delta(2, List.of(R1), List.of("r1"), List.of(set("s1", "10.0.0.2")), List.of("s1"), List.of()));
        // removed again: only the removal of what was held before remains
        assertThat(Deltas.merge(merged, delta(3, List.of(), List.of("r1"), List.of(), List.of("s1"), List.of())))
                .isEqualTo(delta(3, List.of(), List.of("r1"), List.of(), List.of("s1"), List.of()));
    }

    @Test
    void memberChangesFoldIntoASetAddedEarlier() {
        AgentEvent.Delta older = delta(1, List.of(R1), List.of(), List.of(set("s1", "10.0.0.1", "10.0.0.2")), List.of(), List.of());
        AgentEvent.Delta newer = delta(2, List.of(), List.of(), List.of(), List.of(),
                List.of(members("s1", List.of("10.0.0.10", "10.0.0.3"), List.of("10.0.0.1"))));
        assertThat(Deltas.merge(older, newer)).isEqualTo(delta(2, List.of(R1), List.of(),
                List.of(set("s1", "10.0.0.2", "10.0.0.3", "10.0.0.10")), List.of(), List.of()));
    }

    @Test
    void membersAddedThenRemovedOrRemovedThenAddedCancel() {
        AgentEvent.Delta older = delta(1, List.of(), List.of(), List.of(), List.of(),
                List.of(members("s1", List.of("10.0.0.1", "10.0.0.2"), List.of("10.0.0.3")), members("s2", List.of("10.0.0.9"), List.of())));
        AgentEvent.Delta newer = delta(2, List.of(), List.of(), List.of(), List.of(),
                List.of(members("s1", List.of("10.0.0.3"), List.of("10.0.0.1")), members("s2", List.of(), List.of("10.0.0.9"))));
        assertThat(Deltas.merge(older, newer)).as("s2 has nothing left to say").isEqualTo(delta(2, List.of(), List.of(), List.of(), List.of(),
                List.of(members("s1", List.of("10.0.0.2"), List.of()))));
    }

    @Test
    void memberChangesOfASetRemovedLaterAreDropped() {
        AgentEvent.Delta older = delta(1, List.of(), List.of(), List.of(), List.of(), List.of(members("s1", List.of("10.0.0.1"), List.of())));
        AgentEvent.Delta newer = delta(2, List.of(), List.of("r1"), List.of(), List.of("s1"), List.of());
        assertThat(Deltas.merge(older, newer)).isEqualTo(delta(2, List.of(), List.of("r1"), List.of(), List.of("s1"), List.of()));
    }

    static Workload w(String id, String... addresses) {
        return new Workload(id, List.of(addresses));
    }

    @Test
    void workloadChangesOfBothDeltasAreKeptWithTheNewerAddressesWinning() {
        AgentEvent.Delta older = workloads(1, List.of(w("pod/a", "10.0.0.1"), w("pod/b", "10.0.0.2")), List.of("pod/x"));
        AgentEvent.Delta newer = workloads(2, List.of(w("pod/a", "10.0.0.9"), w("pod/c")), List.of("pod/y"));
        assertThat(Deltas.merge(older, newer)).isEqualTo(workloads(2,
                List.of(w("pod/a", "10.0.0.9"), w("pod/b", "10.0.0.2"), w("pod/c")), List.of("pod/x", "pod/y")));
        assertThat(Deltas.merge(older, newer).isEmpty()).isFalse();
        assertThat(workloads(2, List.of(), List.of()).isEmpty()).isTrue();
        assertThat(workloads(2, List.of(), List.of("pod/a")).isEmpty()).isFalse();
    }

    /**
     * Added (or updated) then removed: only the removal is left. The add cannot simply cancel, since it
     * may have updated a workload the agent held before; removing one it does not hold is a no-op.
     */
    @Test
    void aWorkloadAddedThenRemovedIsOnlyRemoved() {
        AgentEvent.Delta merged = Deltas.merge(workloads(1, List.of(w("pod/a", "10.0.0.1")), List.of()),
                workloads(2, List.of(), List.of("pod/a")));
        assertThat(merged).isEqualTo(workloads(2, List.of(), List.of("pod/a")));
    }

    @Test
    void aWorkloadRemovedThenAddedIsOnlyAddedWithItsNewAddresses() {
        AgentEvent.Delta merged = Deltas.merge(workloads(1, List.of(), List.of("pod/a")),
                workloads(2, List.of(w("pod/a", "10.0.0.7")), List.of()));
        assertThat(merged).isEqualTo(workloads(2, List.of(w("pod/a", "10.0.0.7")), List.of()));
        // and removed again: removed
        assertThat(Deltas.merge(merged, workloads(3, List.of(), List.of("pod/a")))).isEqualTo(workloads(3, List.of(), List.of("pod/a")));
    }

    @Test
    void workloadChangesTravelAlongsideRuleChanges() {
        AgentEvent.Delta older = new AgentEvent.Delta(1, List.of(R1), List.of(), List.of(set("s1", "10.0.0.1")), List.of(), List.of(),
                List.of(w("pod/k/ns/p1", "10.0.0.1")), List.of());
        AgentEvent.Delta newer = new AgentEvent.Delta(2, List.of(), List.of("r1"), List.of(), List.of("s1"), List.of(),
                List.of(), List.of("pod/k/ns/p1"));
        assertThat(Deltas.merge(older, newer)).as("the rule and its set cancel; the workload is left removed")
                .isEqualTo(workloads(2, List.of(), List.of("pod/k/ns/p1")));
    }

    @Test
    void deltasMustComeInOrder() {
        assertThatThrownBy(() -> Deltas.merge(EMPTY_2, delta(1, List.of(), List.of(), List.of(), List.of(), List.of())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
