package io.microseg.enforce;

import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.AgentEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What an agent holds: its rules by id and its sets with their members, as of {@link #version()},
 * kept by applying the watch stream's events exactly as docs/protocol.md ("The watch stream") says. A snapshot replaces
 * everything (with {@code replace=true} the agent drops what is not in it; a fresh stream's first
 * snapshot is the whole state too). A delta is applied as one unit: drop rules removed, drop sets
 * removed, install sets added (whole), apply member changes (removed, then added), install rules added.
 */
public final class AgentState {
    private final String agent;
    private final Map<String, CompiledRule> rules = new HashMap<>();
    private final Map<String, Set<String>> sets = new HashMap<>();
    private final Map<String, String> descriptions = new HashMap<>();
    private long version = -1;

    public AgentState(String agent) {
        this.agent = agent;
    }

    /** The last version applied, -1 before the first event. */
    public long version() {
        return version;
    }

    /** Applies one event; returns whether rules or sets changed (bookmarks change nothing). */
    public boolean apply(AgentEvent event) {
        boolean changed = true;
        if (event instanceof AgentEvent.Snapshot s) {
            rules.clear();
            sets.clear();
            descriptions.clear();
            s.rules().forEach(r -> rules.put(r.id(), r));
            s.sets().forEach(this::install);
        } else if (event instanceof AgentEvent.Delta d) {
            d.rulesRemoved().forEach(rules::remove);
            d.setsRemoved().forEach(id -> {
                sets.remove(id);
                descriptions.remove(id);
            });
            d.setsAdded().forEach(this::install);
            for (SetChange c : d.setMembers()) {
                Set<String> members = sets.computeIfAbsent(c.set(), k -> new LinkedHashSet<>());
                members.removeAll(c.removed());
                members.addAll(c.added());
                if (c.description() != null) descriptions.put(c.set(), c.description());
            }
            d.rulesAdded().forEach(r -> rules.put(r.id(), r));
        } else {
            changed = false;
        }
        version = Math.max(version, event.version());
        return changed;
    }

    private void install(AddressSet s) {
        sets.put(s.id(), new LinkedHashSet<>(s.members()));
        descriptions.put(s.id(), s.description());
    }

    /** The rules held (in evaluation order) and the sets they use. */
    public AgentView view() {
        Set<String> used = new java.util.HashSet<>();
        rules.values().forEach(r -> used.addAll(r.sets()));
        List<AddressSet> out = new ArrayList<>();
        new TreeMap<>(sets).forEach((id, members) -> {
            if (used.contains(id)) out.add(new AddressSet(id, descriptions.get(id),
                    members.stream().sorted(io.microseg.compile.CompilationAssembler.ADDRESS_ORDER).toList()));
        });
        return new AgentView(agent, new ArrayList<>(rules.values()), out, Map.of());
    }
}
