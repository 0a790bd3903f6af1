package io.microseg.feed;

import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.compile.RuleBase;
import io.microseg.engine.Change;
import io.microseg.engine.Engine;
import io.microseg.controlplane.SetChange;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.InventoryReader;
import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Pod;
import io.microseg.policy.PolicyReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo (two nodes, db on node-1 and node-2, web-prod-0 on node-1, two hosts) as the agents see it. */
class FeedStoreDemoTest {
    static final String NODE_1 = "node/demo/node-1";
    static final String NODE_2 = "node/demo/node-2";
    static final String BACKUP = "host/backup-prod";
    static final String LAPTOP = "host/laptop-dev";
    static final String DB_0 = "pod/demo/data/db-0";
    static final String DB_1 = "pod/demo/data/db-1";
    static final String WEB_PROD = "pod/demo/web/web-prod-0";
    static final String WEB_DEV = "pod/demo/web/web-dev-0";
    private static RuleBase rules;

    Engine engine;
    List<InventoryObject> objects;

    @BeforeAll
    static void loadRules() {
        rules = RuleBase.packaged();
    }

    @BeforeEach
    void start() {
        engine = new Engine(rules);
        engine.start();
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private void loadDemo() {
        objects = InventoryReader.readObjects(Path.of("config/demo/inventory"));
        engine.submit(new Change.Replace("demo", objects));
        engine.submit(new Change.Workspaces("policies", PolicyReader.read(Path.of("config/demo/policies"))));
        engine.sync().join();
    }

    /** A store subscribed to the engine, initialized from its current state. */
    private FeedStore store(int history) {
        FeedStore store = new FeedStore(history);
        engine.subscribe(store);
        store.initialize(engine.snapshot());
        return store;
    }

    @Test
    void eachAgentGetsTheRulesOfItsWorkloadsAndExactlyTheSetsTheyUse() {
        loadDemo();
        FeedStore store = store(16);
        Compilation all = engine.snapshot().compilation();

        assertThat(store.agents()).containsExactlyInAnyOrder(NODE_1, NODE_2, BACKUP, LAPTOP);
        Map<String, Set<String>> workloads = Map.of(
                NODE_1, Set.of(NODE_1, DB_0, WEB_PROD),
                NODE_2, Set.of(NODE_2, DB_1, WEB_DEV),
                BACKUP, Set.of(BACKUP),
                LAPTOP, Set.of(LAPTOP));
        List<CompiledRule> delivered = new ArrayList<>();
        workloads.forEach((agent, mine) -> {
            AgentEvent.Snapshot s = store.snapshot(agent);
            assertThat(s.version()).isEqualTo(engine.version());
            assertThat(s.replace()).isFalse();
            List<CompiledRule> expected = all.rules().stream().filter(r -> mine.contains(r.workload())).toList();
            assertThat(s.rules()).as("rules of %s", agent).isEqualTo(expected);
            Set<String> used = expected.stream().flatMap(r -> r.sets().stream()).collect(Collectors.toSet());
            assertThat(s.sets()).as("sets of %s", agent).isEqualTo(all.sets().stream().filter(x -> used.contains(x.id())).toList());
            delivered.addAll(s.rules());
        });
        assertThat(store.snapshot(NODE_1).rules()).extracting(CompiledRule::workload).contains(NODE_1, DB_0, WEB_PROD);
        assertThat(store.snapshot(BACKUP).rules()).isNotEmpty();
        // every rule of a placed workload reaches exactly one agent
        assertThat(delivered).containsExactlyInAnyOrderElementsOf(all.rules().stream()
                .filter(r -> engine.snapshot().placements().containsKey(r.workload())).toList());
        assertThat(store.snapshot("node/demo/node-9")).isEqualTo(new AgentEvent.Snapshot(engine.version(), false, List.of(), List.of(), List.of()));
    }

    @Test
    void aStoreFollowingTheEngineFromTheStartHoldsWhatOneInitializedLaterHolds() {
        FeedStore live = store(16);
        Map<String, AgentReplica> replicas = new TreeMap<>();
        for (String agent : List.of(NODE_1, NODE_2, BACKUP, LAPTOP)) {
            AgentReplica replica = new AgentReplica();
            live.subscribe(agent, OptionalLong.empty(), replica::apply);
            replicas.put(agent, replica);
        }
        loadDemo();
        FeedStore later = store(16);
        assertThat(live.version()).isEqualTo(later.version()).isEqualTo(engine.version());
        assertThat(live.agents()).isEqualTo(later.agents());
        replicas.forEach((agent, replica) -> {
            assertThat(live.snapshot(agent)).as(agent).isEqualTo(later.snapshot(agent));
            replica.assertHolds(later.snapshot(agent), agent);
            assertThat(replica.version()).isEqualTo(engine.version());
        });
    }

    @Test
    void aPodMovingNodesChangesExactlyTheTwoNodesStreams() {
        loadDemo();
        FeedStore store = store(16);
        List<CompiledRule> dbRules = engine.snapshot().compilation().rulesOf(DB_0);
        assertThat(dbRules).isNotEmpty();
        Map<String, Recorder> streams = subscribeAll(store);

        Pod db0 = pod("db-0");
        engine.submit(new Change.Put("demo", new Pod(db0.cluster(), db0.namespace(), db0.name(), "node-2", db0.ips(),
                db0.hostNetwork(), db0.ready(), db0.labels().with(LabelKeys.NODE_NAME, "node-2"), db0.containerPorts())));
        engine.sync().join();

        assertThat(streams.get(BACKUP).deltas()).isEmpty();
        assertThat(streams.get(LAPTOP).deltas()).isEmpty();
        AgentEvent.Delta from = single(streams.get(NODE_1));
        AgentEvent.Delta to = single(streams.get(NODE_2));
        assertThat(from.rulesRemoved()).containsExactlyInAnyOrderElementsOf(dbRules.stream().map(CompiledRule::id).toList());
        assertThat(from.rulesAdded()).isEmpty();
        assertThat(from.setMembers()).isEmpty();
        assertThat(from.setsAdded()).isEmpty();
        assertThat(to.rulesAdded()).extracting(CompiledRule::id).containsExactlyElementsOf(dbRules.stream().map(CompiledRule::id).toList());
        assertThat(to.rulesRemoved()).isEmpty();
        assertThat(to.setMembers()).isEmpty();
        assertThat(to.setsRemoved()).isEmpty();
        // sets follow the rules: node-1 drops those only db-0 used there, node-2 gets those it lacked, whole
        Set<String> dbSets = dbRules.stream().flatMap(r -> r.sets().stream()).collect(Collectors.toSet());
        assertThat(from.setsRemoved()).allMatch(dbSets::contains);
        assertThat(to.setsAdded()).extracting(AddressSet::id).allMatch(dbSets::contains);
        assertThat(store.snapshot(NODE_2).rules()).extracting(CompiledRule::workload).contains(DB_0, DB_1);
        assertThat(store.snapshot(NODE_1).rules()).extracting(CompiledRule::workload).doesNotContain(DB_0);
        streams.forEach((agent, r) -> r.assertHolds(store.snapshot(agent), agent));
    }

    @Test
    void scalingProviderPodsChangesOnlySetMembersForOtherAgents() {
        loadDemo();
        FeedStore store = store(16);
        Map<String, Recorder> streams = subscribeAll(store);

        Pod db1 = pod("db-1");
        Pod db2 = new Pod(db1.cluster(), db1.namespace(), "db-2", "node-2", List.of("10.244.2.11"), false, true,
                db1.labels().with(LabelKeys.POD_NAME, "db-2"), db1.containerPorts());
        engine.submit(new Change.Put("demo", db2));
        engine.sync().join();

        AgentEvent.Delta node1 = single(streams.get(NODE_1));
        assertThat(node1.rulesAdded()).isEmpty();
        assertThat(node1.rulesRemoved()).isEmpty();
        assertThat(node1.setsAdded()).isEmpty();
        assertThat(node1.setsRemoved()).isEmpty();
        assertThat(node1.setMembers()).isNotEmpty().allSatisfy(c -> {
            assertThat(c.added()).containsExactly("10.244.2.11");
            assertThat(c.removed()).isEmpty();
        });
        AgentEvent.Delta node2 = single(streams.get(NODE_2));
        assertThat(node2.rulesAdded()).isNotEmpty().extracting(CompiledRule::workload).containsOnly("pod/demo/data/db-2");
        assertThat(node2.rulesRemoved()).isEmpty();
        assertThat(node2.setsRemoved()).isEmpty();
        assertThat(node2.setMembers()).extracting(SetChange::added).allMatch(a -> a.equals(List.of("10.244.2.11")));
        assertThat(streams.get(BACKUP).deltas()).isEmpty();
        assertThat(streams.get(LAPTOP).deltas()).isEmpty();

        // and back down: db-2 goes, the others see its address leave
        engine.submit(new Change.Remove("demo", db2.key()));
        engine.sync().join();
        AgentEvent.Delta down = streams.get(NODE_1).deltas().get(1);
        assertThat(down.rulesAdded()).isEmpty();
        assertThat(down.rulesRemoved()).isEmpty();
        assertThat(down.setMembers()).extracting(SetChange::set).containsExactlyElementsOf(node1.setMembers().stream().map(SetChange::set).toList());
        assertThat(down.setMembers()).allSatisfy(c -> assertThat(c.removed()).containsExactly("10.244.2.11"));
        assertThat(streams.get(NODE_2).deltas().get(1).rulesRemoved()).containsExactlyInAnyOrderElementsOf(node2.rulesAdded().stream().map(CompiledRule::id).toList());
        streams.forEach((agent, r) -> r.assertHolds(store.snapshot(agent), agent));
    }

    @Test
    void aNodeThatGoesAwayIsEmptiedThenForgotten() {
        loadDemo();
        FeedStore store = store(16);
        long before = store.version();
        Map<String, Recorder> streams = subscribeAll(store);
        List<InventoryObject> rest = objects.stream().filter(o -> !o.key().equals(NODE_2) && !o.key().equals(DB_1) && !o.key().equals(WEB_DEV)).toList();
        assertThat(rest).hasSize(objects.size() - 3);
        engine.submit(new Change.Replace("demo", rest));
        engine.sync().join();

        AgentReplica gone = streams.get(NODE_2).replica;
        assertThat(gone.rules()).isEmpty();
        assertThat(gone.sets()).isEmpty();
        assertThat(store.agents()).containsExactlyInAnyOrder(NODE_1, BACKUP, LAPTOP);
        streams.get(NODE_2).subscription.close();
        assertThat(store.connectedCount()).isEqualTo(3);

        // forgotten: a resumption from before its last delta gets a (now empty) replace snapshot, one after it nothing
        List<AgentEvent> events = new ArrayList<>();
        store.subscribe(NODE_2, OptionalLong.of(before), events::add).close();
        assertThat(events).containsExactly(new AgentEvent.Snapshot(store.version(), true, List.of(), List.of(), List.of()));
        events.clear();
        store.subscribe(NODE_2, OptionalLong.of(store.version()), events::add).close();
        assertThat(events).isEmpty();
    }

    private Pod pod(String name) {
        return objects.stream().filter(o -> o instanceof Pod p && p.name().equals(name)).map(o -> (Pod) o).findFirst().orElseThrow();
    }

    private static AgentEvent.Delta single(Recorder r) {
        assertThat(r.deltas()).hasSize(1);
        return r.deltas().get(0);
    }

    private static Map<String, Recorder> subscribeAll(FeedStore store) {
        Map<String, Recorder> streams = new TreeMap<>();
        for (String agent : store.agents()) {
            Recorder r = new Recorder();
            r.subscription = store.subscribe(agent, OptionalLong.empty(), r::add);
            streams.put(agent, r);
        }
        assertThat(store.connectedCount()).isEqualTo(streams.size());
        return streams;
    }

    static final class Recorder {
        final List<AgentEvent> events = new ArrayList<>();
        final AgentReplica replica = new AgentReplica();
        FeedStore.Subscription subscription;

        Throwable failure;

        synchronized void add(AgentEvent e) {
            events.add(e);
            try {
                replica.apply(e);
            } catch (Throwable t) {
                if (failure == null) failure = t;
            }
        }

        synchronized void assertHolds(AgentEvent.Snapshot expected, String agent) {
            if (failure != null) throw new AssertionError("stream of " + agent + " failed to apply", failure);
            replica.assertHolds(expected, agent);
        }

        synchronized List<AgentEvent.Delta> deltas() {
            return events.stream().filter(e -> e instanceof AgentEvent.Delta).map(e -> (AgentEvent.Delta) e).toList();
        }
    }

    static Set<String> ids(List<CompiledRule> rules) {
        return rules.stream().map(CompiledRule::id).collect(Collectors.toCollection(TreeSet::new));
    }
}
