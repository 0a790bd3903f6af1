package io.microseg.bench;

import io.microseg.controlplane.CompiledRule;
import io.microseg.engine.ChangeSet;
import io.microseg.engine.Placement;
import io.microseg.controlplane.SetChange;
import io.microseg.engine.Snapshot;

import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * How much of a change set each agent receives. An agent gets the rules of the workloads placed on
 * it and the members of every set those rules use, so a rule change counts for the agent of its
 * workload and a set-member change counts for every agent that uses the set. Subscribed to the
 * engine, it follows placements and set use from one snapshot on. The engine thread only queues
 * change sets here; {@link #process} does the counting on the bench's thread, outside the latency
 * being measured.
 */
final class AgentFanout implements Consumer<ChangeSet> {
    /** What one change set sent: to how many agents, in total, and at most to one agent. */
    record Fanout(int agents, long total, long max) {
        static final Fanout NONE = new Fanout(0, 0, 0);

        double perAgent() {
            return agents == 0 ? 0 : (double) total / agents;
        }
    }

    private final Map<String, String> placements = new HashMap<>();
    /** set id, then agent, then how many of the agent's rules use the set. */
    private final Map<String, Map<String, Integer>> setUsers = new HashMap<>();
    private final Map<String, Integer> setSizes = new HashMap<>();
    private final Queue<ChangeSet> queued = new ConcurrentLinkedQueue<>();
    private Fanout last = Fanout.NONE;

    AgentFanout(Snapshot start) {
        placements.putAll(start.placements());
        start.compilation().workloads().values().forEach(w -> w.rules().forEach(r -> use(r, 1)));
        start.compilation().sets().forEach(s -> setSizes.put(s.id(), s.members().size()));
    }

    /** What the change sets queued since the last call sent, counted now (one change set for a single change). */
    Fanout process() {
        last = Fanout.NONE;
        for (ChangeSet c = queued.poll(); c != null; c = queued.poll()) count(c);
        return last;
    }

    @Override
    public void accept(ChangeSet c) {
        queued.add(c);
    }

    private void count(ChangeSet c) {
        Map<String, Long> perAgent = new HashMap<>();
        // Removed rules left the agent they were on before this change set's placements.
        for (CompiledRule r : c.rulesRemoved()) perAgent.merge(agentOf(r.workload()), 1L, Long::sum);
        for (SetChange s : c.sets()) {
            long n = s.added().size() + s.removed().size();
            setUsers.getOrDefault(s.set(), Map.of()).keySet().forEach(a -> perAgent.merge(a, n, Long::sum));
            setSizes.merge(s.set(), s.added().size() - s.removed().size(), Integer::sum);
        }
        c.rulesRemoved().forEach(r -> use(r, -1));
        for (Placement p : c.placements()) {
            if (p.agent() == null) placements.remove(p.workload());
            else placements.put(p.workload(), p.agent());
        }
        for (CompiledRule r : c.rulesAdded()) {
            String agent = agentOf(r.workload());
            perAgent.merge(agent, 1L, Long::sum);
            // A set that comes into use on an agent reaches it with all its members.
            for (String set : r.sets()) {
                if (!setUsers.getOrDefault(set, Map.of()).containsKey(agent)) {
                    perAgent.merge(agent, (long) setSizes.getOrDefault(set, 0), Long::sum);
                }
            }
            use(r, 1);
        }
        perAgent.remove(null);
        long total = perAgent.values().stream().mapToLong(Long::longValue).sum();
        long max = perAgent.values().stream().mapToLong(Long::longValue).max().orElse(0);
        last = new Fanout(perAgent.size(), total, max);
    }

    private String agentOf(String workload) {
        return placements.getOrDefault(workload, workload);
    }

    private void use(CompiledRule r, int delta) {
        String agent = agentOf(r.workload());
        for (String set : r.sets()) {
            Map<String, Integer> users = setUsers.computeIfAbsent(set, k -> new HashMap<>());
            if (users.merge(agent, delta, Integer::sum) <= 0) users.remove(agent);
            if (users.isEmpty()) setUsers.remove(set);
        }
    }
}
