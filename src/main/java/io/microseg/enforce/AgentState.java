package io.microseg.enforce;

import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.Workload;
import io.microseg.net.Addresses;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
 */
public final class AgentState {
    private final String agent;
    private final Map<String, CompiledRule> rules = new HashMap<>();
    private final Map<String, Set<String>> sets = new HashMap<>();
    private final Map<String, String> descriptions = new HashMap<>();
    private final Map<String, List<String>> workloads = new HashMap<>();
    private final Map<String, List<String>> sorted = new HashMap<>(); // a set's members in address order, dropped when it changes
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
            rules.clear();
            sets.clear();
            sorted.clear();
            descriptions.clear();
            workloads.clear();
            s.rules().forEach(r -> rules.put(r.id(), r));
            s.sets().forEach(this::install);
            s.workloads().forEach(this::place);
        } else if (event instanceof AgentEvent.Delta d) {
            d.rulesRemoved().forEach(rules::remove);
            d.setsRemoved().forEach(id -> {
                sets.remove(id);
                sorted.remove(id);
                descriptions.remove(id);
            });
            d.setsAdded().forEach(this::install);
            for (SetChange c : d.setMembers()) {
                Set<String> members = sets.computeIfAbsent(c.set(), k -> new LinkedHashSet<>());
                sorted.remove(c.set());
                members.removeAll(c.removed());
                members.addAll(c.added());
                if (c.description() != null) descriptions.put(c.set(), c.description());
            }
            d.rulesAdded().forEach(r -> rules.put(r.id(), r));
            d.workloadsRemoved().forEach(workloads::remove);
            d.workloadsAdded().forEach(this::place);
        } else {
            changed = false;
        }
        version = Math.max(version, event.version());
        return changed;
    }

    private void install(AddressSet s) {
        sets.put(s.id(), new LinkedHashSet<>(s.members()));
        sorted.remove(s.id());
        descriptions.put(s.id(), s.description());
    }

    private void place(Workload w) {
        workloads.put(w.id(), w.addresses());
    }

    /** The rules held (in evaluation order), the sets they use, and the addresses of the workloads placed here. */
    public AgentView view() {
        Set<String> used = new java.util.HashSet<>();
        rules.values().forEach(r -> used.addAll(r.sets()));
        List<AddressSet> out = new ArrayList<>();
        new TreeMap<>(sets).forEach((id, members) -> {
            if (used.contains(id)) out.add(new AddressSet(id, descriptions.get(id),
                    sorted.computeIfAbsent(id, k -> members.stream().sorted(Addresses.ORDER).toList())));
        });
        return new AgentView(agent, new ArrayList<>(rules.values()), out, workloads);
    }
}
