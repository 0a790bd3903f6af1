package io.microseg.feed;

import io.microseg.controlplane.AgentEvent;
import io.microseg.compile.Compilation;
import io.microseg.compile.RuleBase;
import io.microseg.engine.ChangeSet;
import io.microseg.engine.Engine;
import io.microseg.engine.RandomChanges;
import io.microseg.engine.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Subscriptions racing the engine thread: one thread applies a recorded run of real change sets as
 * fast as it can while others subscribe (fresh or from their version) and close, over and over. No
 * event may be lost or repeated between a catch-up and the live deltas: every client's replayed
 * stream, strictly applied, ends equal to the agent's snapshot.
 */
class FeedStoreConcurrencyTest {
    private static final int CHANGE_SETS = Integer.getInteger("microseg.feed.stress.changesets", 2000);
    private static final int CLIENT_THREADS = 4;

    /** One client of one agent, on one thread: what it held when its current subscription started, and what came since. */
    private static final class Client {
        AgentReplica base = new AgentReplica();
        final ConcurrentLinkedQueue<AgentEvent> events = new ConcurrentLinkedQueue<>();
        FeedStore.Subscription subscription;

        void settle() {
            base = base.copy().applyAll(new ArrayList<>(events));
            events.clear();
        }
    }

    @Test
    void noEventIsLostOrRepeatedWhileSubscriptionsRaceTheEngine() throws Exception {
        List<ChangeSet> recorded = new ArrayList<>();
        Snapshot end;
        try (Engine engine = new Engine(RuleBase.packaged())) {
            engine.subscribe(recorded::add);
            engine.start();
            RandomChanges changes = new RandomChanges(42);
            while (engine.sync().join() < CHANGE_SETS) {
                engine.submit(changes.next());
                if (changes.nextInt(3) == 0) engine.submit(changes.next());
            }
            end = engine.snapshot();
        }
        assertThat(recorded).hasSizeGreaterThanOrEqualTo(CHANGE_SETS);

        FeedStore store = new FeedStore(4);
        store.initialize(new Snapshot(0, new Compilation(List.of(), List.of(), List.of()), Map.of(), Map.of()));
        List<String> agents = RandomChanges.AGENTS;
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicInteger liveEvents = new AtomicInteger();
        AtomicInteger catchUps = new AtomicInteger();
        AtomicInteger replaces = new AtomicInteger();
        Thread engineThread = new Thread(() -> {
            for (int i = 0; i < recorded.size(); i++) {
                store.accept(recorded.get(i));
                if (i % 4 == 0) LockSupport.parkNanos(50_000);
            }
        }, "hammer");
        List<Thread> clients = new ArrayList<>();
        List<Map<String, Client>> clientsByThread = new CopyOnWriteArrayList<>();
        for (int t = 0; t < CLIENT_THREADS; t++) {
            Random random = new Random(t);
            Map<String, Client> mine = new HashMap<>();
            agents.forEach(a -> mine.put(a, new Client()));
            clientsByThread.add(mine);
            clients.add(new Thread(() -> {
                try {
                    while (engineThread.isAlive()) {
                        String agent = agents.get(random.nextInt(agents.size()));
                        Client c = mine.get(agent);
                        if (c.subscription != null) {
                            c.subscription.close();
                            c.subscription = null;
                            c.settle(); // strict replay: throws on a lost or repeated delta
                            continue;
                        }
                        boolean fresh = !c.base.started() || random.nextInt(4) == 0;
                        if (fresh) c.base = new AgentReplica();
                        c.subscription = store.subscribe(agent, fresh ? OptionalLong.empty() : OptionalLong.of(c.base.version()), e -> {
                            if (Thread.currentThread() == engineThread) liveEvents.incrementAndGet();
                            c.events.add(e);
                        });
                        if (!fresh) catchUps.incrementAndGet();
                        if (c.events.peek() instanceof AgentEvent.Snapshot s && s.replace()) replaces.incrementAndGet();
                        if (random.nextInt(3) == 0) Thread.yield();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "client-" + t));
        }
        engineThread.start();
        clients.forEach(Thread::start);
        engineThread.join();
        for (Thread c : clients) c.join();
        assertThat(failures).isEmpty();
        assertThat(store.version()).isEqualTo(recorded.get(recorded.size() - 1).version());

        for (Map<String, Client> mine : clientsByThread) {
            mine.forEach((agent, c) -> {
                if (c.subscription != null) c.subscription.close();
                c.settle();
                if (!c.base.started()) return;
                // a client that was away catches up from its version now
                store.subscribe(agent, OptionalLong.of(c.base.version()), c.events::add).close();
                c.settle();
                c.base.assertHolds(store.snapshot(agent), agent);
            });
        }
        assertThat(store.connectedCount()).isZero();
        for (String agent : agents) Streams.assertMatchesEngine(store.snapshot(agent), end, agent, "at the end");
        System.out.printf("feed stress: %d change sets, %d live events, %d resumptions (%d replaced)%n",
                recorded.size(), liveEvents.get(), catchUps.get(), replaces.get());
        assertThat(liveEvents.get()).as("events delivered live, on the engine thread").isPositive();
        assertThat(catchUps.get()).isPositive();
    }
}
