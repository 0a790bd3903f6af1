package io.microseg.feed;

import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.compile.WorkloadRules;
import io.microseg.controlplane.CompiledRule;
import io.microseg.engine.ChangeSet;
import io.microseg.engine.Placement;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.Workload;
import io.microseg.engine.Snapshot;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The feed store on hand-made change sets, where every version is known: the span of an agent, the
 * deltas one change set makes, and how a subscription starts from a version.
 *
 * <p>At version 100: node A runs itself and pod p1, node B runs pod p2, host H runs itself. p1 has
 * r1 (peer s1) and r2 (peer s2), A has r4 (no peer: a catch-all), p2 has r3 (peer s1), H has r5
 * (peer s3, empty). Each workload has one address (p2 two); node B itself is not in the inventory.
 */
class FeedStoreTest {
    static final String A = "node/k/a";
    static final String B = "node/k/b";
    static final String H = "host/h";
    static final String P1 = "pod/k/ns/p1";
    static final String P2 = "pod/k/ns/p2";
    static final Workload WA = new Workload(A, List.of("192.168.1.1"));
    static final Workload WP1 = new Workload(P1, List.of("10.244.1.1"));
    static final Workload WP2 = new Workload(P2, List.of("fd00::2", "10.244.2.2"));
    static final Workload WH = new Workload(H, List.of("192.168.9.1"));
    static final CompiledRule R1 = rule("r1", P1, "s1");
    static final CompiledRule R2 = rule("r2", P1, "s2");
    static final CompiledRule R3 = rule("r3", P2, "s1");
    static final CompiledRule R4 = rule("r4", A, null);
    static final CompiledRule R5 = rule("r5", H, "s3");

    static CompiledRule rule(String id, String workload, String peerSet) {
        return new CompiledRule(id, workload, Direction.INGRESS, peerSet == null ? Action.DENY : Action.ALLOW, Protocol.TCP,
                "80", peerSet, null, "rule " + id, "ws/" + id, peerSet == null ? Rank.CATCHALL : Rank.DEFAULT, 100, List.of());
    }

    static AddressSet set(String id, String... members) {
        return new AddressSet(id, "set " + id, List.of(members));
    }

    static SetChange members(String set, List<String> added, List<String> removed) {
        return new SetChange(set, "set " + set, added, removed);
    }

    /** A delta that changes no workload. */
    static AgentEvent.Delta delta(long version, List<CompiledRule> rulesAdded, List<String> rulesRemoved, List<AddressSet> setsAdded,
                                  List<String> setsRemoved, List<SetChange> setMembers) {
        return delta(version, rulesAdded, rulesRemoved, setsAdded, setsRemoved, setMembers, List.of(), List.of());
    }

    static AgentEvent.Delta delta(long version, List<CompiledRule> rulesAdded, List<String> rulesRemoved, List<AddressSet> setsAdded,
                                  List<String> setsRemoved, List<SetChange> setMembers, List<Workload> workloadsAdded,
                                  List<String> workloadsRemoved) {
        return new AgentEvent.Delta(version, rulesAdded, rulesRemoved, setsAdded, setsRemoved, setMembers, workloadsAdded, workloadsRemoved);
    }

    static Placement placed(Workload w, String agent) {
        return new Placement(w.id(), agent, w.addresses());
    }

    /** A change set as the engine makes it: with each touched workload's rules after it, from those {@code store} holds. */
    static ChangeSet changes(FeedStore store, long version, List<CompiledRule> added, List<CompiledRule> removed, List<SetChange> sets,
                             List<Placement> placements) {
        return changes(store, version, added, removed, sets, placements, List.of());
    }

    static ChangeSet changes(FeedStore store, long version, List<CompiledRule> added, List<CompiledRule> removed, List<SetChange> sets,
                             List<Placement> placements, List<String> setsOutOfUse) {
        Map<String, Map<String, CompiledRule>> after = new java.util.TreeMap<>();
        for (CompiledRule r : removed) held(store, after, r.workload()).remove(r.id());
        for (CompiledRule r : added) held(store, after, r.workload()).put(r.id(), r);
        Map<String, WorkloadRules> rules = new java.util.HashMap<>();
        after.forEach((w, byId) -> rules.put(w, WorkloadRules.of(w, List.copyOf(byId.values()))));
        return new ChangeSet(version, added, removed, sets, List.of(), List.of(), placements, setsOutOfUse, rules);
    }

    private static Map<String, CompiledRule> held(FeedStore store, Map<String, Map<String, CompiledRule>> after, String workload) {
        return after.computeIfAbsent(workload, w -> {
            Map<String, CompiledRule> byId = new java.util.LinkedHashMap<>();
            store.rulesOf(w).rules().forEach(r -> byId.put(r.id(), r));
            return byId;
        });
    }

    static FeedStore store(int history) {
        FeedStore store = new FeedStore(history);
        store.initialize(initial());
        return store;
    }

    static Snapshot initial() {
        return new Snapshot(100, new Compilation(List.of(R4, R1, R2, R3, R5),
                List.of(set("s1", "10.0.0.1", "10.0.0.2"), set("s2", "10.0.0.3"), set("s3")), List.of()),
                Map.of(A, A, P1, A, P2, B, H, H), Map.of(A, WA.addresses(), P1, WP1.addresses(), P2, WP2.addresses(), H, WH.addresses()));
    }

    /** A change set that gives agent A one new rule (on p1, peer s1), whose id is the version. */
    static ChangeSet touchA(FeedStore store, long version) {
        return changes(store, version, List.of(rule("x" + version, P1, "s1")), List.of(), List.of(), List.of());
    }

    static List<AgentEvent> subscribe(FeedStore store, String agent, OptionalLong since) {
        List<AgentEvent> events = new ArrayList<>();
        store.subscribe(agent, since, events::add);
        return events;
    }

    @Test
    void aChangeSetThatDoesNotGiveTheRulesAfterItOfAWorkloadItChangesIsRefused() {
        // the feed replaces a workload's rules by those the change set gives: without them it would keep stale rules
        assertThatThrownBy(() -> new ChangeSet(101, List.of(rule("x", P1, "s1")), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rule x changes").hasMessageContaining(P1);
        assertThatThrownBy(() -> new ChangeSet(101, List.of(), List.of(R1), List.of(), List.of(), List.of(), List.of(),
                List.of(), Map.of(P2, WorkloadRules.none(P2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rule r1 changes");
    }

    @Test
    void anAgentsSnapshotHoldsTheRulesOfItsWorkloadsInEvaluationOrderAndTheSetsTheyUse() {
        FeedStore store = store(8);
        assertThat(store.version()).isEqualTo(100);
        assertThat(store.agents()).containsExactlyInAnyOrder(A, B, H);
        assertThat(store.snapshot(A)).isEqualTo(new AgentEvent.Snapshot(100, false, List.of(R4, R1, R2),
                List.of(set("s1", "10.0.0.1", "10.0.0.2"), set("s2", "10.0.0.3")), List.of(WA, WP1)));
        assertThat(store.snapshot(B)).isEqualTo(new AgentEvent.Snapshot(100, false, List.of(R3), List.of(set("s1", "10.0.0.1", "10.0.0.2")),
                List.of(WP2)));
        assertThat(store.snapshot(H)).as("a set in use with no members is held too")
                .isEqualTo(new AgentEvent.Snapshot(100, false, List.of(R5), List.of(set("s3")), List.of(WH)));
        assertThat(store.snapshot("node/k/nobody")).isEqualTo(new AgentEvent.Snapshot(100, false, List.of(), List.of(), List.of()));
    }

    @Test
    void aSetARuleIsLimitedToComesAndGoesWithTheRuleLikeAPeerSet() {
        FeedStore store = store(8);
        List<AgentEvent> a = subscribe(store, A, OptionalLong.of(100));
        CompiledRule limited = new CompiledRule("r9", A, Direction.INGRESS, Action.ALLOW, Protocol.TCP, "443", null,
                "lb", "rule r9", "ws/r9", Rank.DEFAULT, 100, List.of());
        store.accept(changes(store, 101, List.of(limited), List.of(), List.of(members("lb", List.of("203.0.113.10"), List.of())), List.of()));
        assertThat(store.snapshot(A).sets()).contains(set("lb", "203.0.113.10"));
        store.accept(changes(store, 102, List.of(), List.of(limited), List.of(), List.of()));
        assertThat(a).containsExactly(
                delta(101, List.of(limited), List.of(), List.of(set("lb", "203.0.113.10")), List.of(), List.of()),
                delta(102, List.of(), List.of("r9"), List.of(), List.of("lb"), List.of()));
        assertThat(store.snapshot(A).sets()).extracting("id").doesNotContain("lb");
    }

    @Test
    void oneChangeSetMakesOneDeltaPerAgentConcerned() {
        FeedStore store = store(8);
        List<AgentEvent> a = subscribe(store, A, OptionalLong.of(100));
        List<AgentEvent> b = subscribe(store, B, OptionalLong.of(100));
        List<AgentEvent> h = subscribe(store, H, OptionalLong.of(100));
        CompiledRule r6 = rule("r6", P2, "s2");
        store.accept(changes(store, 101, List.of(r6), List.of(), List.of(members("s2", List.of("10.0.0.4"), List.of())), List.of()));

        assertThat(b).as("s2 comes into use on B: whole, with the members of this very change set")
                .containsExactly(delta(101, List.of(r6), List.of(), List.of(set("s2", "10.0.0.3", "10.0.0.4")), List.of(), List.of()));
        assertThat(a).as("A used s2 before and after: the member change only")
                .containsExactly(delta(101, List.of(), List.of(), List.of(), List.of(),
                        List.of(members("s2", List.of("10.0.0.4"), List.of()))));
        assertThat(h).as("H has nothing to do with it").isEmpty();
        assertThat(store.version()).isEqualTo(101);
    }

    @Test
    void aSetLeavesAnAgentWithTheLastOfItsRulesThatUseIt() {
        FeedStore store = store(8);
        List<AgentEvent> a = subscribe(store, A, OptionalLong.of(100));
        CompiledRule r7 = rule("r7", A, "s1");
        store.accept(changes(store, 101, List.of(r7), List.of(), List.of(), List.of()));
        store.accept(changes(store, 102, List.of(), List.of(R1), List.of(), List.of()));
        store.accept(changes(store, 103, List.of(), List.of(r7), List.of(), List.of()));
        assertThat(a).containsExactly(
                delta(101, List.of(r7), List.of(), List.of(), List.of(), List.of()),
                delta(102, List.of(), List.of("r1"), List.of(), List.of(), List.of()),
                delta(103, List.of(), List.of("r7"), List.of(), List.of("s1"), List.of()));
        assertThat(store.snapshot(A).sets()).containsExactly(set("s2", "10.0.0.3"));
    }

    @Test
    void theFeedHoldsASetExactlyWhileTheEngineSaysSomeRuleUsesIt() {
        FeedStore store = store(8);
        assertThat(store.setsInUse()).isEqualTo(3);
        // H's only rule goes, and with it s3, which the engine says is out of use
        store.accept(changes(store, 101, List.of(), List.of(R5), List.of(), List.of(), List.of("s3")));
        assertThat(store.setsInUse()).isEqualTo(2);
        // s3 comes back into use with its members, on a rule of a workload no agent holds yet
        CompiledRule r9 = rule("r9", "pod/k/ns/p3", "s3");
        store.accept(changes(store, 102, List.of(r9), List.of(), List.of(members("s3", List.of("10.0.0.9"), List.of())), List.of()));
        assertThat(store.setsInUse()).isEqualTo(3);
        List<AgentEvent> b = subscribe(store, B, OptionalLong.of(102));
        Workload w3 = new Workload("pod/k/ns/p3", List.of("10.244.2.3"));
        store.accept(changes(store, 103, List.of(), List.of(), List.of(), List.of(placed(w3, B))));
        assertThat(b).as("the set was held for the unplaced workload's rule, members and all")
                .containsExactly(delta(103, List.of(r9), List.of(), List.of(set("s3", "10.0.0.9")),
                        List.of(), List.of(), List.of(w3), List.of()));
    }

    @Test
    void aWorkloadThatMovesTakesItsRulesFromOneAgentToTheOther() {
        FeedStore store = store(8);
        List<AgentEvent> a = subscribe(store, A, OptionalLong.of(100));
        List<AgentEvent> b = subscribe(store, B, OptionalLong.of(100));
        CompiledRule r8 = rule("r8", P1, "s3");
        // p1 moves to B, loses r2 and gains r8 in the same change set
        store.accept(changes(store, 101, List.of(r8), List.of(R2), List.of(), List.of(placed(WP1, B))));
        assertThat(a).containsExactly(delta(101, List.of(), List.of("r1", "r2"), List.of(), List.of("s1", "s2"), List.of(),
                List.of(), List.of(P1)));
        assertThat(b).containsExactly(delta(101, List.of(R1, r8), List.of(), List.of(set("s3")), List.of(), List.of(), List.of(WP1), List.of()));
        assertThat(store.snapshot(B).rules()).containsExactly(R1, r8, R3);
        assertThat(store.snapshot(B).workloads()).containsExactly(WP1, WP2);
        assertThat(store.snapshot(A).workloads()).containsExactly(WA);
    }

    @Test
    void rulesOfAWorkloadWithoutAgentAreHeldUntilItIsPlaced() {
        FeedStore store = store(8);
        String p3 = "pod/k/ns/p3";
        CompiledRule r9 = rule("r9", p3, "s2");
        List<AgentEvent> b = subscribe(store, B, OptionalLong.of(100));
        store.accept(changes(store, 101, List.of(r9), List.of(), List.of(), List.of()));
        assertThat(b).isEmpty();
        Workload w3 = new Workload(p3, List.of("10.244.2.3"));
        store.accept(changes(store, 102, List.of(), List.of(), List.of(), List.of(placed(w3, B))));
        assertThat(b).containsExactly(delta(102, List.of(r9), List.of(), List.of(set("s2", "10.0.0.3")), List.of(), List.of(),
                List.of(w3), List.of()));
        // the workload goes away together with its rules
        store.accept(changes(store, 103, List.of(), List.of(r9), List.of(), List.of(Placement.none(p3))));
        assertThat(b).last().isEqualTo(delta(103, List.of(), List.of("r9"), List.of(), List.of("s2"), List.of(), List.of(), List.of(p3)));
    }

    @Test
    void aPodWhoseAddressChangesOnTheSameNodeIsADeltaOfItsWorkloadOnly() {
        FeedStore store = store(8);
        List<AgentEvent> a = subscribe(store, A, OptionalLong.of(100));
        List<AgentEvent> b = subscribe(store, B, OptionalLong.of(100));
        Workload moved = new Workload(P1, List.of("10.244.1.77"));
        store.accept(changes(store, 101, List.of(), List.of(), List.of(), List.of(placed(moved, A))));
        assertThat(a).containsExactly(delta(101, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(moved), List.of()));
        assertThat(b).isEmpty();
        assertThat(store.snapshot(A).workloads()).containsExactly(WA, moved);
        assertThat(store.snapshot(A).rules()).containsExactly(R4, R1, R2);
    }

    @Test
    void aPodWithoutRulesIsStillAWorkloadOfItsNode() {
        FeedStore store = store(8);
        List<AgentEvent> b = subscribe(store, B, OptionalLong.of(100));
        Workload bare = new Workload("pod/k/ns/bare", List.of("10.244.2.9"));
        Workload pending = new Workload("pod/k/ns/pending", List.of());
        store.accept(changes(store, 101, List.of(), List.of(), List.of(), List.of(placed(bare, B), placed(pending, B))));
        assertThat(b).containsExactly(delta(101, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(bare, pending), List.of()));
        assertThat(store.snapshot(B).workloads()).as("by id").containsExactly(bare, WP2, pending);
        assertThat(store.snapshot(B).rules()).containsExactly(R3);
        store.accept(changes(store, 102, List.of(), List.of(), List.of(), List.of(Placement.none(bare.id()))));
        assertThat(b).last().isEqualTo(delta(102, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(bare.id())));
        // a placement that says what the store already holds makes no delta
        store.accept(changes(store, 103, List.of(), List.of(), List.of(), List.of(placed(WP2, B))));
        assertThat(b).hasSize(2);
    }

    @Test
    void withoutSinceAStreamStartsWithASnapshotThenEveryLaterDelta() {
        FeedStore store = store(8);
        List<AgentEvent> a = subscribe(store, A, OptionalLong.empty());
        store.accept(touchA(store, 101));
        store.accept(touchA(store, 102));
        assertThat(a).extracting(AgentEvent::version).containsExactly(100L, 101L, 102L);
        assertThat(a.get(0)).isEqualTo(new AgentEvent.Snapshot(100, false, List.of(R4, R1, R2),
                List.of(set("s1", "10.0.0.1", "10.0.0.2"), set("s2", "10.0.0.3")), List.of(WA, WP1)));
        assertThat(a.get(1)).isInstanceOf(AgentEvent.Delta.class);
    }

    @Test
    void sinceResumesWithTheRetainedDeltasOrReplacesWhenTheyAreNotAll() {
        FeedStore store = store(3);
        for (long v = 101; v <= 106; v++) store.accept(touchA(store, v));
        // deltas 104..106 are retained: a resumption from 103 or later is served from history
        assertThat(subscribe(store, A, OptionalLong.of(103))).extracting(AgentEvent::version).containsExactly(104L, 105L, 106L);
        assertThat(subscribe(store, A, OptionalLong.of(105))).extracting(AgentEvent::version).containsExactly(106L);
        assertThat(subscribe(store, A, OptionalLong.of(106))).isEmpty();
        // B had no delta at all since 100: still served from (empty) history
        assertThat(subscribe(store, B, OptionalLong.of(100))).isEmpty();
        // too old: delta 103 was dropped
        List<AgentEvent> old = subscribe(store, A, OptionalLong.of(102));
        assertThat(old).hasSize(1);
        AgentEvent.Snapshot replace = (AgentEvent.Snapshot) old.get(0);
        assertThat(replace.replace()).isTrue();
        assertThat(replace.version()).isEqualTo(106);
        assertThat(replace.rules()).isEqualTo(store.snapshot(A).rules());
        // older than the store itself, and from the future (a restarted server)
        assertThat(subscribe(store, B, OptionalLong.of(99))).containsExactly(new AgentEvent.Snapshot(106, true, List.of(R3),
                List.of(set("s1", "10.0.0.1", "10.0.0.2")), List.of(WP2)));
        assertThat(subscribe(store, B, OptionalLong.of(107))).containsExactly(new AgentEvent.Snapshot(106, true, List.of(R3),
                List.of(set("s1", "10.0.0.1", "10.0.0.2")), List.of(WP2)));
    }

    @Test
    void theCatchUpIsFollowedByLiveDeltasWithNothingLostOrRepeated() {
        FeedStore store = store(4);
        store.accept(touchA(store, 101));
        store.accept(touchA(store, 102));
        List<AgentEvent> a = subscribe(store, A, OptionalLong.of(101));
        store.accept(touchA(store, 103));
        assertThat(a).extracting(AgentEvent::version).containsExactly(102L, 103L);
    }

    @Test
    void anUnknownAgentHasAnEmptyHistoryFromTheInitialVersion() {
        FeedStore store = store(4);
        String c = "node/k/c";
        store.accept(touchA(store, 101));
        List<AgentEvent> fromStart = subscribe(store, c, OptionalLong.of(100));
        assertThat(fromStart).isEmpty();
        assertThat(subscribe(store, c, OptionalLong.of(99))).containsExactly(new AgentEvent.Snapshot(101, true, List.of(), List.of(), List.of()));
        assertThat(store.agents()).doesNotContain(c);
        assertThat(store.connectedCount()).isEqualTo(2);
        // it gets workloads later: its stream carries them
        store.accept(changes(store, 102, List.of(), List.of(), List.of(), List.of(placed(WP2, c))));
        assertThat(fromStart).containsExactly(delta(102, List.of(R3), List.of(), List.of(set("s1", "10.0.0.1", "10.0.0.2")),
                List.of(), List.of(), List.of(WP2), List.of()));
        assertThat(store.agents()).contains(c).doesNotContain(B);
    }

    @Test
    void closingAStreamStopsDelivery() {
        FeedStore store = store(4);
        List<AgentEvent> a = new ArrayList<>();
        FeedStore.Subscription s = store.subscribe(A, OptionalLong.of(100), a::add);
        assertThat(store.connectedCount()).isEqualTo(1);
        store.accept(touchA(store, 101));
        s.close();
        s.close();
        assertThat(store.connectedCount()).isZero();
        store.accept(touchA(store, 102));
        assertThat(a).extracting(AgentEvent::version).containsExactly(101L);
    }

    @Test
    void aListenerThatThrowsIsUnsubscribedAndOthersCarryOn() {
        FeedStore store = store(4);
        List<AgentEvent> good = subscribe(store, A, OptionalLong.of(100));
        store.subscribe(A, OptionalLong.of(100), e -> {
            throw new IllegalStateException("client gone");
        });
        assertThat(store.connectedCount()).isEqualTo(2);
        store.accept(touchA(store, 101));
        store.accept(touchA(store, 102));
        assertThat(good).hasSize(2);
        assertThat(store.connectedCount()).isEqualTo(1);
    }

    @Test
    void changeSetsBeforeInitializeAreAppliedAfterItWhenNewerThanTheSnapshot() {
        FeedStore store = new FeedStore(4);
        assertThatThrownBy(() -> store.snapshot(A)).isInstanceOf(IllegalStateException.class);
        // the engine's rules after each change set are those of the snapshot's state: a store initialized with it says them
        FeedStore engineView = store(4);
        store.accept(touchA(engineView, 99)); // already in the snapshot
        store.accept(touchA(engineView, 100));
        store.accept(touchA(engineView, 101));
        store.initialize(initial());
        assertThat(store.version()).isEqualTo(101);
        assertThat(store.snapshot(A).rules()).extracting(CompiledRule::id).containsExactly("r4", "r1", "r2", "x101");
        assertThat(subscribe(store, A, OptionalLong.of(100))).extracting(AgentEvent::version).containsExactly(101L);
        store.accept(touchA(store, 101)); // a repeat is ignored
        assertThat(store.version()).isEqualTo(101);
        assertThatThrownBy(() -> store.initialize(initial())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void historyIsBoundedPerAgent() {
        FeedStore store = store(2);
        List<AgentEvent> all = subscribe(store, A, OptionalLong.of(100));
        for (long v = 101; v <= 1000; v++) store.accept(touchA(store, v));
        assertThat(all).hasSize(900);
        assertThat(subscribe(store, A, OptionalLong.of(998))).extracting(AgentEvent::version).containsExactly(999L, 1000L);
        assertThat(subscribe(store, A, OptionalLong.of(997))).singleElement().isInstanceOf(AgentEvent.Snapshot.class);

        FeedStore none = store(0);
        none.accept(touchA(none, 101));
        assertThat(subscribe(none, A, OptionalLong.of(101))).isEmpty();
        assertThat(subscribe(none, A, OptionalLong.of(100))).singleElement().isInstanceOf(AgentEvent.Snapshot.class);
    }
}
