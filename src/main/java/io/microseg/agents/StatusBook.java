package io.microseg.agents;

import io.microseg.controlplane.AgentStatus;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last status report of each agent that reported to this replica, with the time it arrived. Bounded:
 * a report from an identity not yet in the book is refused once it holds {@code maxAgents}, so that
 * clients cannot grow the server's memory (with authentication only configured agents can report at all;
 * without it, anyone on loopback could invent identities).
 */
public final class StatusBook {
    /** A report and when this replica received it. */
    public record Report(AgentStatus status, Instant received) {}

    private final int maxAgents;
    private final Map<String, Report> reports = new ConcurrentHashMap<>();

    public StatusBook(int maxAgents) {
        if (maxAgents <= 0) throw new IllegalArgumentException("maxAgents must be positive: " + maxAgents);
        this.maxAgents = maxAgents;
    }

    /** Keeps {@code status} as its agent's last report; false (nothing kept) when the book is full and the agent is new. */
    public synchronized boolean record(AgentStatus status, Instant received) {
        if (!reports.containsKey(status.identity()) && reports.size() >= maxAgents) return false;
        reports.put(status.identity(), new Report(status, received));
        return true;
    }

    /** The last report of each agent, by identity. */
    public Map<String, Report> reports() {
        return Map.copyOf(reports);
    }

    public int maxAgents() {
        return maxAgents;
    }
}
