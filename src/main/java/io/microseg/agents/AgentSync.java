package io.microseg.agents;

import io.microseg.controlplane.AgentStatus;
import io.microseg.feed.FeedStore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Whether each agent enforces what this replica serves it. An agent is <em>in sync</em> when its last
 * report to this replica
 * <ol>
 *   <li>names this replica's epoch (it applied this replica's stream, not another's or an earlier run's),</li>
 *   <li>has {@code appliedVersion} at or past the version of the last change to the agent's stream in the feed,</li>
 *   <li>lists no namespace whose apply failed (not applied, or with an error),</li>
 *   <li>has no pending pods (pods placed on the node whose namespace the agent has not found), and</li>
 *   <li>arrived within {@code staleAfter}.</li>
 * </ol>
 * Every node and host of the inventory is listed, reported or not: one that never reported here is out of
 * sync with {@code reported=false}, which is how a node without an agent shows.
 */
public final class AgentSync {
    private AgentSync() {}

    /**
     * One agent as {@code GET /v1/agents} lists it.
     *
     * @param report        its last report here, null when it never reported to this replica
     * @param serverVersion the version of the last change to its stream in this replica's feed
     * @param expected      whether the inventory has its node or host
     * @param connected     whether a watch stream on it is open on this replica
     * @param reasons       why it is not in sync; empty when it is
     */
    public record Line(String identity, StatusBook.Report report, long serverVersion, boolean expected, boolean connected,
                       List<String> reasons) {
        public Line {
            reasons = List.copyOf(reasons);
        }

        public boolean reported() {
            return report != null;
        }

        public boolean inSync() {
            return reasons.isEmpty();
        }
    }

    /** How many agents are in each state, for the metrics. */
    public record Counts(int known, int expected, int inSync, int outOfSync, int neverReported) {}

    /**
     * Every agent that reported here or that the inventory expects, sorted by identity.
     *
     * @param feeds  what the feed holds for every agent it knows ({@link FeedStore#agentFeeds})
     * @param feedOf what it holds for any one agent ({@link FeedStore#agentFeed}), for reports from agents it does not know
     */
    public static List<Line> judge(Map<String, StatusBook.Report> reports, List<FeedStore.AgentFeed> feeds,
                                   Function<String, FeedStore.AgentFeed> feedOf, String epoch, Instant now, Duration staleAfter) {
        Map<String, FeedStore.AgentFeed> listed = new TreeMap<>();
        for (FeedStore.AgentFeed f : feeds) {
            if (f.inInventory() || reports.containsKey(f.agent())) listed.put(f.agent(), f);
        }
        for (String identity : reports.keySet()) listed.computeIfAbsent(identity, feedOf);
        List<Line> lines = new ArrayList<>(listed.size());
        listed.forEach((identity, feed) -> {
            StatusBook.Report report = reports.get(identity);
            lines.add(new Line(identity, report, feed.version(), feed.inInventory(), feed.streams() > 0,
                    reasons(report, feed, epoch, now, staleAfter)));
        });
        return lines;
    }

    /** The counts of {@link #judge}'s lines. */
    public static Counts count(List<Line> lines) {
        int expected = 0, inSync = 0, never = 0;
        for (Line l : lines) {
            if (l.expected()) expected++;
            if (l.inSync()) inSync++;
            if (!l.reported()) never++;
        }
        return new Counts(lines.size(), expected, inSync, lines.size() - inSync, never);
    }

    private static List<String> reasons(StatusBook.Report report, FeedStore.AgentFeed feed, String epoch, Instant now, Duration staleAfter) {
        if (report == null) return List.of("never reported to this replica");
        List<String> why = new ArrayList<>();
        AgentStatus s = report.status();
        if (!epoch.equals(s.epoch())) {
            why.add("applied the stream of epoch " + s.epoch() + ", not this replica's " + epoch);
        } else if (s.appliedVersion() < feed.version()) {
            why.add("applied version " + s.appliedVersion() + ", behind " + feed.version());
        }
        for (AgentStatus.NamespaceStatus n : s.namespaces()) {
            if (!n.applied() || n.error() != null) {
                why.add("namespace of " + n.workload() + (n.netns().isEmpty() ? "" : " (" + n.netns() + ")") + " failed"
                        + (n.error() == null ? "" : ": " + n.error()));
            }
        }
        if (!s.pendingPods().isEmpty()) why.add(s.pendingPods().size() + " pods wait for their network namespace");
        Duration age = Duration.between(report.received(), now);
        if (age.compareTo(staleAfter) > 0) {
            why.add("last report " + age.toSeconds() + " s ago, older than " + staleAfter.toSeconds() + " s");
        }
        return why;
    }
}
