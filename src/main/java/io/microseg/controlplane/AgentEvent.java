package io.microseg.controlplane;

import java.util.List;

/**
 * One event on an agent's stream. An agent holds rules (by id), address sets (by id, with their
 * members) and the workloads placed on it (by id, with their addresses); after every event, the sets
 * it holds are exactly the sets of the rules it holds, and the workloads are every workload placed on
 * it, whether or not it has rules.
 * {@link #version()} is what the agent remembers to resume from.
 */
public sealed interface AgentEvent {
    long version();

    /**
     * Everything the agent should hold as of {@code version}: its rules in evaluation order, the sets
     * they use with all their members, and every workload placed on it (by id). With {@code replace=true} the agent drops whatever is not
     * in it (it was too far behind, or ahead of this server); with {@code replace=false} it is the
     * first event of a fresh stream.
     */
    record Snapshot(long version, boolean replace, List<CompiledRule> rules, List<AddressSet> sets,
                    List<Workload> workloads) implements AgentEvent {
        public Snapshot {
            rules = List.copyOf(rules);
            sets = List.copyOf(sets);
            workloads = List.copyOf(workloads);
        }
    }

    /**
     * What changed for this agent at this version. Applied as one unit, in this order: drop
     * {@code rulesRemoved}, drop {@code setsRemoved}, install {@code setsAdded} (each with all its
     * members), apply {@code setMembers} (members removed, then added) to sets already held, install
     * {@code rulesAdded}, drop {@code workloadsRemoved}, put {@code workloadsAdded}. An id can be in both
     * a removed and an added list (a coalesced delta where a rule or set went away and came back): the
     * agent then ends up with the added one. {@code workloadsAdded} is an upsert: a workload newly
     * placed on the agent, or one already held whose addresses changed (it replaces the held one);
     * removing a workload the agent does not hold changes nothing (a coalesced delta may do that).
     */
    record Delta(long version, List<CompiledRule> rulesAdded, List<String> rulesRemoved,
                 List<AddressSet> setsAdded, List<String> setsRemoved, List<SetChange> setMembers,
                 List<Workload> workloadsAdded, List<String> workloadsRemoved) implements AgentEvent {
        public Delta {
            rulesAdded = List.copyOf(rulesAdded);
            rulesRemoved = List.copyOf(rulesRemoved);
            setsAdded = List.copyOf(setsAdded);
            setsRemoved = List.copyOf(setsRemoved);
            setMembers = List.copyOf(setMembers);
            workloadsAdded = List.copyOf(workloadsAdded);
            workloadsRemoved = List.copyOf(workloadsRemoved);
        }

        public boolean isEmpty() {
            return rulesAdded.isEmpty() && rulesRemoved.isEmpty() && setsAdded.isEmpty() && setsRemoved.isEmpty()
                    && setMembers.isEmpty() && workloadsAdded.isEmpty() && workloadsRemoved.isEmpty();
        }
    }

    /** The stream is current up to this version (sent periodically, also as a heartbeat). */
    record Bookmark(long version) implements AgentEvent {}
}
