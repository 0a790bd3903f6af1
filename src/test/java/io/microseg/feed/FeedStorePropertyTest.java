package io.microseg.feed;

import io.microseg.controlplane.AgentEvent;
import io.microseg.compile.RuleBase;
import io.microseg.engine.Engine;
import io.microseg.engine.RandomChanges;
import io.microseg.engine.Snapshot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The property agents rely on: whatever the engine does, and however an agent comes and goes
 * (fresh, resuming from its version, too far behind), replaying its stream gives what
 * {@link FeedStore#snapshot} says it should hold, which is its share of the engine's state; and so
 * does the stream with its runs of deltas coalesced by {@link Deltas#merge} (folded, pairwise, as a
 * tree).
 *
 * <p>Default run: 3 seeds x 600 operations. Longer: {@code -Dmicroseg.feed.seeds=20 -Dmicroseg.feed.ops=3000}.
 */
class FeedStorePropertyTest {
    private static final int OPS = Integer.getInteger("microseg.feed.ops", 600);
    private static final int CHECK_EVERY = 20;
    private static final int HISTORY = 3;
    private static RuleBase rules;
    private static final Map<String, Integer> exercised = new TreeMap<>();

    @BeforeAll
    static void rules() {
        rules = RuleBase.packaged();
    }

    static LongStream seeds() {
        return LongStream.rangeClosed(1, Long.getLong("microseg.feed.seeds", 3));
    }

    /** One agent's connection, as the agent sees it across reconnections. */
    private static final class Session {
        final String agent;
        /** What the agent held when the current subscription started. */
        AgentReplica base = new AgentReplica();
        final List<AgentEvent> events = new ArrayList<>();
        FeedStore.Subscription subscription;

        Session(String agent) {
            this.agent = agent;
        }

        void connect(FeedStore store, boolean fresh) {
            if (fresh) base = new AgentReplica();
            events.clear();
            OptionalLong since = base.started() ? OptionalLong.of(base.version()) : OptionalLong.empty();
            subscription = store.subscribe(agent, since, this::add);
            List<AgentEvent> catchUp = events();
            String kind = since.isEmpty() ? "fresh" : catchUp.isEmpty() ? "resumed, nothing missed"
                    : catchUp.get(0) instanceof AgentEvent.Snapshot s && s.replace() ? "resumed, replaced" : "resumed, deltas";
            count(kind);
        }

        void disconnect() {
            subscription.close();
            subscription = null;
            base = base.copy().applyAll(events());
            events.clear();
        }

        synchronized void add(AgentEvent e) {
            events.add(e);
        }

        synchronized List<AgentEvent> events() {
            return List.copyOf(events);
        }

        void check(AgentEvent.Snapshot expected, String when) {
            List<AgentEvent> stream = events();
            base.copy().applyAll(stream).assertHolds(expected, when + ", as streamed");
            List<AgentEvent> folded = Streams.folded(stream);
            if (folded.size() < stream.size()) count("coalesced runs");
            base.copy().applyAll(folded).assertHolds(expected, when + ", deltas folded");
            base.copy().applyAll(Streams.pairwise(stream)).assertHolds(expected, when + ", deltas merged as a tree");
            base.copy().applyAll(Streams.pairs(stream)).assertHolds(expected, when + ", neighbours merged");
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void replayingAnyAgentsStreamGivesItsSnapshot(long seed) {
        RandomChanges changes = new RandomChanges(seed);
        List<String> agents = new ArrayList<>(RandomChanges.AGENTS);
        agents.add("node/c9/nobody");
        try (Engine engine = new Engine(rules)) {
            engine.start();
            FeedStore store = new FeedStore(HISTORY);
            engine.subscribe(store);
            store.initialize(engine.snapshot());
            Map<String, Session> sessions = new TreeMap<>();
            for (String agent : agents) {
                Session s = new Session(agent);
                s.connect(store, true);
                sessions.put(agent, s);
            }
            for (int op = 1; op <= OPS; op++) {
                engine.submit(changes.next());
                if (changes.nextInt(4) == 0) engine.sync().join(); // vary batch sizes
                if (op % CHECK_EVERY != 0 && op != OPS) continue;

                engine.sync().join();
                String when = "seed " + seed + ", after " + op + " operations";
                Snapshot truth = engine.snapshot();
                assertThat(store.version()).isEqualTo(truth.version());
                assertThat(store.agents()).as("agents, " + when).isEqualTo(new TreeSet<>(truth.placements().values()));
                assertThat(agents).containsAll(store.agents());
                for (Session s : sessions.values()) {
                    if (op == OPS && s.subscription == null) s.connect(store, changes.nextInt(8) == 0);
                    AgentEvent.Snapshot expected = store.snapshot(s.agent);
                    Streams.assertMatchesEngine(expected, truth, s.agent, when);
                    if (s.subscription != null) s.check(expected, s.agent + ", " + when);
                    // agents come and go: some stay away long enough to fall out of the history
                    if (s.subscription != null && changes.nextInt(3) == 0) s.disconnect();
                    else if (s.subscription == null && changes.nextInt(2) == 0) s.connect(store, changes.nextInt(8) == 0);
                }
                assertThat(store.connectedCount()).isEqualTo((int) sessions.values().stream().filter(s -> s.subscription != null).count());
            }
            sessions.values().forEach(s -> {
                if (s.subscription != null) s.subscription.close();
            });
            assertThat(store.connectedCount()).isZero();
        }
    }

    private static synchronized void count(String what) {
        exercised.merge(what, 1, Integer::sum);
    }

    /** The property is only as strong as the situations it was checked in. */
    @AfterAll
    static void everyKindOfConnectionWasExercised() {
        System.out.println("feed property test: " + exercised);
        assertThat(exercised).containsKeys("fresh", "resumed, nothing missed", "resumed, replaced", "resumed, deltas", "coalesced runs");
        rules = null;
    }
}
