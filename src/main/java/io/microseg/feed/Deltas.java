package io.microseg.feed;

import io.microseg.net.Addresses;
import io.microseg.controlplane.RuleOrder;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.Workload;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Operations on the deltas of one agent's stream. */
public final class Deltas {
    private Deltas() {}

    /**
     * One delta that does what {@code older} then {@code newer} do (consecutive deltas of one agent),
     * under the newer version. What one adds and the other removes cancels out: a rule or set added
     * then removed, members added then removed (or removed then added). A rule removed then added
     * again with the same id is kept as removed and re-added with the newer rule (the older one is
     * only known by its id, and may differ in its justifications); a set removed then added again is
     * in {@code setsRemoved} and in {@code setsAdded} with its full members. Member changes to a set
     * that {@code older} adds are folded into that set.
     *
     * <p>Workloads: the newer address list of a workload wins; a workload added (or updated) then
     * removed ends up only removed, since the older add may have updated one held before (removing a
     * workload the agent does not hold is a no-op); a workload removed then added is only added, its
     * add being an upsert.
     */
    public static AgentEvent.Delta merge(AgentEvent.Delta older, AgentEvent.Delta newer) {
        if (older.version() > newer.version()) {
            throw new IllegalArgumentException("delta " + older.version() + " is not older than " + newer.version());
        }
        Rules rules = new Rules();
        Sets sets = new Sets();
        Workloads workloads = new Workloads();
        for (AgentEvent.Delta d : List.of(older, newer)) {
            rules.apply(d);
            sets.apply(d);
            workloads.apply(d);
        }
        return new AgentEvent.Delta(newer.version(), rules.added(), List.copyOf(rules.removed), sets.added(),
                List.copyOf(sets.removed), sets.members(), List.copyOf(workloads.added.values()), List.copyOf(workloads.removed));
    }

    /** Workload changes relative to what the agent held before the older delta. */
    private static final class Workloads {
        /** Dropped (whether or not they were held). */
        final Set<String> removed = new TreeSet<>();
        /** Put, with their latest addresses. */
        final Map<String, Workload> added = new TreeMap<>();

        void apply(AgentEvent.Delta d) {
            for (String id : d.workloadsRemoved()) {
                added.remove(id);
                removed.add(id);
            }
            for (Workload w : d.workloadsAdded()) {
                removed.remove(w.id());
                added.put(w.id(), w);
            }
        }
    }

    /** Rule changes relative to what the agent held before the older delta. */
    private static final class Rules {
        /** Held before, and dropped. */
        final Set<String> removed = new LinkedHashSet<>();
        /** Held after (replacing the one held before if also in {@link #removed}). */
        final Map<String, CompiledRule> added = new LinkedHashMap<>();

        void apply(AgentEvent.Delta d) {
            for (String id : d.rulesRemoved()) {
                // added by an earlier delta: that cancels, unless it replaced a rule held before (still removed)
                if (added.remove(id) == null) removed.add(id);
            }
            for (CompiledRule r : d.rulesAdded()) added.put(r.id(), r);
        }

        List<CompiledRule> added() {
            List<CompiledRule> out = new ArrayList<>(added.values());
            out.sort(RuleOrder.EVALUATION);
            return out;
        }
    }

    /** Set changes relative to what the agent held before the older delta. */
    private static final class Sets {
        /** Held before, and dropped (and added again if also in {@link #whole}). */
        final Set<String> removed = new TreeSet<>();
        /** Installed whole: id, description, members. */
        final Map<String, Whole> whole = new TreeMap<>();
        /** Member changes to sets held before and after: +1 added, -1 removed, per address. */
        final Map<String, Members> members = new TreeMap<>();

        void apply(AgentEvent.Delta d) {
            for (String id : d.setsRemoved()) {
                members.remove(id);
                if (whole.remove(id) == null) removed.add(id);
            }
            for (AddressSet s : d.setsAdded()) {
                members.remove(s.id());
                whole.put(s.id(), new Whole(s.description(), new LinkedHashSet<>(s.members())));
            }
            for (SetChange c : d.setMembers()) {
                Whole w = whole.get(c.set());
                if (w != null) {
                    w.description = c.description();
                    c.removed().forEach(w.members::remove);
                    w.members.addAll(c.added());
                    continue;
                }
                Members m = members.computeIfAbsent(c.set(), k -> new Members());
                m.description = c.description();
                for (String ip : c.removed()) {
                    if (m.net.merge(ip, -1, Integer::sum) == 0) m.net.remove(ip);
                }
                for (String ip : c.added()) {
                    if (m.net.merge(ip, +1, Integer::sum) == 0) m.net.remove(ip);
                }
            }
        }

        List<AddressSet> added() {
            List<AddressSet> out = new ArrayList<>();
            whole.forEach((id, w) -> out.add(new AddressSet(id, w.description,
                    w.members.stream().sorted(Addresses.ORDER).toList())));
            return out;
        }

        List<SetChange> members() {
            List<SetChange> out = new ArrayList<>();
            members.forEach((id, m) -> {
                List<String> add = new ArrayList<>();
                List<String> remove = new ArrayList<>();
                new TreeMap<>(m.net).forEach((ip, n) -> (n > 0 ? add : remove).add(ip));
                if (!add.isEmpty() || !remove.isEmpty()) out.add(new SetChange(id, m.description, add, remove));
            });
            return out;
        }
    }

    private static final class Whole {
        String description;
        final Set<String> members;

        Whole(String description, Set<String> members) {
            this.description = description;
            this.members = members;
        }
    }

    private static final class Members {
        String description;
        final Map<String, Integer> net = new HashMap<>();
    }
}
