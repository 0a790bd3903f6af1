package io.microseg.agents;

import io.microseg.controlplane.AgentStatus;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the agents' audited DENY rules counted, summed robustly over reports: per agent and rule id, the
 * counter as last reported (with its instance) and the running total. A report whose counter has the same
 * instance adds what it grew by; one with another instance (the rule's table or line was re-created, so the
 * counter started again from zero) adds all it counted; a counter that went down in the same instance is
 * read as started again too. What a counter counted between an agent's last report and the rule's
 * re-creation is lost: at most one report interval's worth.
 *
 * <p>An agent's report lists every audited rule it holds (up to {@link AgentStatus#MAX_AUDIT_COUNTERS}): a
 * rule missing from it is forgotten for that agent, so a workspace switched to enforce and back starts from
 * zero. {@link #totals} also forgets rules no longer compiled. Bounded: the caller records only agents its
 * {@link StatusBook} kept, and each holds at most as many entries as a report carries.
 */
public final class AuditBook {
    /** Packets and bytes a rule counted, summed over agents, and how many agents reported it. */
    public record Totals(long packets, long bytes, int agents) {}

    private record Entry(String instance, long lastPackets, long lastBytes, long packets, long bytes) {}

    private final Map<String, Map<String, Entry>> byAgent = new HashMap<>(); // guarded by this

    /** Takes an agent's counters (the whole list of its report). */
    public synchronized void record(String agent, List<AgentStatus.RuleCounter> counters) {
        Map<String, Entry> before = byAgent.getOrDefault(agent, Map.of());
        Map<String, Entry> now = new HashMap<>();
        for (AgentStatus.RuleCounter c : counters) {
            Entry e = before.get(c.rule());
            boolean continued = e != null && e.instance().equals(c.instance()) && c.packets() >= e.lastPackets() && c.bytes() >= e.lastBytes();
            long packets = e == null ? c.packets() : e.packets() + (continued ? c.packets() - e.lastPackets() : c.packets());
            long bytes = e == null ? c.bytes() : e.bytes() + (continued ? c.bytes() - e.lastBytes() : c.bytes());
            now.put(c.rule(), new Entry(c.instance(), c.packets(), c.bytes(), packets, bytes));
        }
        if (now.isEmpty()) byAgent.remove(agent);
        else byAgent.put(agent, now);
    }

    /** The totals of the rules in {@code live} (the audited rules compiled now), by rule id; the others are forgotten. */
    public synchronized Map<String, Totals> totals(Set<String> live) {
        Map<String, Totals> out = new TreeMap<>();
        for (var agent = byAgent.entrySet().iterator(); agent.hasNext(); ) {
            Map<String, Entry> rules = agent.next().getValue();
            rules.keySet().retainAll(live);
            if (rules.isEmpty()) {
                agent.remove();
                continue;
            }
            rules.forEach((id, e) -> out.merge(id, new Totals(e.packets(), e.bytes(), 1),
                    (a, b) -> new Totals(a.packets() + b.packets(), a.bytes() + b.bytes(), a.agents() + b.agents())));
        }
        return out;
    }
}
