package io.microseg.controlplane;

import java.util.List;

/**
 * What an agent reports it enforces: the stream position it applied ({@code epoch} names the server
 * instance whose versions {@code appliedVersion} counts in), each network namespace it manages with the
 * outcome of its last apply, the pods whose namespace it has not found yet, and the last error.
 *
 * @param identity       the agent: {@code node/<cluster>/<node>} or {@code host/<name>}
 * @param epoch          the epoch of the stream the applied version came from; null before the first snapshot
 * @param appliedVersion the version in force in every namespace listed as applied; -1 before the first apply
 * @param namespaces     one entry per namespace the agent holds rules for, in a stable order
 * @param pendingPods    pods placed on this node whose network namespace is not found yet (their rules wait)
 * @param lastError      the last apply or connection error, null when the last apply succeeded everywhere
 * @param auditCounters  the counters of the audited DENY rules in force, one per rule id, sorted by rule id, at most
 *                       {@link #MAX_AUDIT_COUNTERS}
 */
public record AgentStatus(String identity, String epoch, long appliedVersion, List<NamespaceStatus> namespaces,
                          List<String> pendingPods, String lastError, List<RuleCounter> auditCounters) {
    /** The most audit counters one report carries (about 80 bytes each: well under the server's default body limit). */
    public static final int MAX_AUDIT_COUNTERS = 2000;

    public AgentStatus {
        namespaces = List.copyOf(namespaces);
        pendingPods = List.copyOf(pendingPods);
        auditCounters = List.copyOf(auditCounters);
        if (auditCounters.size() > MAX_AUDIT_COUNTERS) {
            throw new IllegalArgumentException("at most " + MAX_AUDIT_COUNTERS + " audit counters, found " + auditCounters.size());
        }
    }

    /** A report without audit counters. */
    public AgentStatus(String identity, String epoch, long appliedVersion, List<NamespaceStatus> namespaces,
                       List<String> pendingPods, String lastError) {
        this(identity, epoch, appliedVersion, namespaces, pendingPods, lastError, List.of());
    }

    /**
     * What one audited DENY rule counted since it was created in its namespace's table: the connections
     * (their packets that reached the rule, and those packets' bytes) it would have dropped.
     *
     * @param rule     the rule's id
     * @param instance names the rule's lines as nftables created them (the table's and the rules' handles):
     *                 another instance is another counter, which started from zero
     * @param packets  packets counted, summed over the rule's lines (one per address family)
     * @param bytes    their bytes
     */
    public record RuleCounter(String rule, String instance, long packets, long bytes) {
        public RuleCounter {
            if (packets < 0 || bytes < 0) throw new IllegalArgumentException("counters are not negative: " + packets + ", " + bytes);
        }
    }

    /**
     * One namespace's outcome.
     *
     * @param workload the workload whose section this is (the agent's own node or host, or a pod)
     * @param netns    where it was applied: a name under /run/netns, a path such as /proc/PID/ns/net, or ""
     *                 for the agent's own namespace
     * @param applied  whether the rules of {@code appliedVersion} are in force there
     * @param rules    how many rules the section holds
     * @param error    nft's message when the apply failed (the previous rules stay in force), else null
     */
    public record NamespaceStatus(String workload, String netns, boolean applied, int rules, String error) {}

    /** Whether every namespace applied and no pod waits for its namespace. */
    public boolean healthy() {
        return pendingPods.isEmpty() && namespaces.stream().allMatch(NamespaceStatus::applied);
    }
}
