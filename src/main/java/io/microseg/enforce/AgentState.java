package io.microseg.enforce;

import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.RuleOrder;
import io.microseg.controlplane.Workload;
import io.microseg.net.Addresses;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What an agent holds: its rules by id, its sets with their members and the workloads placed on it
 * with their addresses, as of {@link #version()}, kept by applying the watch stream's events exactly
 * as docs/protocol.md ("The watch stream") says. A snapshot replaces everything (with
 * {@code replace=true} the agent drops what is not in it; a fresh stream's first snapshot is the whole
 * state too). A delta is applied as one unit: drop rules removed, drop sets removed, install sets
 * added (whole), apply member changes (removed, then added), install rules added, drop workloads
 * removed, put workloads added (replacing a held one's addresses).
 *
 * <p>{@link #view()} is called after every apply and must cost little when a delta changed little: the
 * rules in evaluation order are kept until a rule changes, and each set's members in address order
 * ({@link AddressSet} as the view holds it) until that set changes; a member change updates the sorted
 * members in place (a set of thousands of members is not sorted again for one member).
 */
public final class AgentState {
    private final String agent;
    private final Map<String, CompiledRule> rules = new HashMap<>();
    private final Map<String, Set<String>> sets = new HashMap<>();
    private final Map<String, String> descriptions = new HashMap<>();
    private final Map<String, List<String>> workloads = new HashMap<>();
    private final Map<String, AddressSet> viewed = new HashMap<>(); // a set as the last view held it, members in address order; dropped when it changes
    private List<CompiledRule> ordered; // the rules in evaluation order; null when a rule changed since
    private Set<String> used; // the sets the rules name; null when a rule changed since
    private long version = -1;

    public AgentState(String agent) {
        this.agent = agent;
    }

    /** The last version applied, -1 before the first event. */
    public long version() {
        return version;
    }

    /** Applies one event; returns whether it could have changed anything (snapshots and deltas do; bookmarks do not). */
    public boolean apply(AgentEvent event) {
        boolean changed = true;
        if (event instanceof AgentEvent.Snapshot s) {
            Map<String, AddressSet> before = new HashMap<>(viewed);
            rules.clear();
            sets.clear();
            viewed.clear();
            descriptions.clear();
            workloads.clear();
            rulesChanged();
            s.rules().forEach(r -> rules.put(r.id(), r));
            s.sets().forEach(this::install);
            s.workloads().forEach(this::place);
            // a replacing snapshot mostly repeats what is held: a set with the same members keeps its sorted view
            before.forEach((id, v) -> {
                Set<String> members = sets.get(id);
                if (members != null && Objects.equals(descriptions.get(id), v.description()) && members.size() == v.members().size()
                        && members.containsAll(v.members())) {
                    viewed.put(id, v);
                }
            });
        } else if (event instanceof AgentEvent.Delta d) {
            if (!d.rulesRemoved().isEmpty() || !d.rulesAdded().isEmpty()) rulesChanged();
            d.rulesRemoved().forEach(rules::remove);
            d.setsRemoved().forEach(id -> {
                sets.remove(id);
                viewed.remove(id);
                descriptions.remove(id);
            });
            d.setsAdded().forEach(this::install);
            for (SetChange c : d.setMembers()) change(c);
            d.rulesAdded().forEach(r -> rules.put(r.id(), r));
            d.workloadsRemoved().forEach(workloads::remove);
            d.workloadsAdded().forEach(this::place);
        } else {
            changed = false;
        }
        version = Math.max(version, event.version());
        return changed;
    }

    private void rulesChanged() {
        ordered = null;
        used = null;
    }

    private void install(AddressSet s) {
        sets.put(s.id(), new LinkedHashSet<>(s.members()));
        viewed.remove(s.id());
        descriptions.put(s.id(), s.description());
    }

    /**
     * A set's members removed, then added; the sorted members of the last view, when there are, are updated by
     * the members that really left and joined (a member added twice or removed while absent changes nothing).
     */
    private void change(SetChange c) {
        Set<String> members = sets.computeIfAbsent(c.set(), k -> new LinkedHashSet<>());
        List<String> gone = new ArrayList<>();
        for (String m : c.removed()) if (members.remove(m)) gone.add(m);
        List<String> come = new ArrayList<>();
        for (String m : c.added()) if (members.add(m)) come.add(m);
        if (c.description() != null) descriptions.put(c.set(), c.description());
        AddressSet before = viewed.remove(c.set());
        if (before == null) return;
        List<String> sorted = new ArrayList<>(before.members());
        if (!gone.isEmpty()) sorted.removeAll(new HashSet<>(gone));
        for (String m : come) {
            int at = Collections.binarySearch(sorted, m, Addresses.ORDER);
            sorted.add(at < 0 ? -at - 1 : at, m);
        }
        viewed.put(c.set(), new AddressSet(c.set(), descriptions.get(c.set()), sorted));
    }

    private void place(Workload w) {
        workloads.put(w.id(), w.addresses());
    }

    /** The rules held (in evaluation order), the sets they use, and the addresses of the workloads placed here. */
    public AgentView view() {
        if (ordered == null) {
            List<CompiledRule> all = new ArrayList<>(rules.values());
            all.sort(RuleOrder.EVALUATION);
            ordered = List.copyOf(all);
            used = new HashSet<>();
            ordered.forEach(r -> used.addAll(r.sets()));
        }
        List<AddressSet> out = new ArrayList<>();
        new TreeMap<>(sets).forEach((id, members) -> {
            if (used.contains(id)) out.add(viewed.computeIfAbsent(id, k -> new AddressSet(id, descriptions.get(id), Addresses.sorted(members))));
        });
        return new AgentView(agent, ordered, out, workloads);
    }
}
