package io.microseg.feed;

import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.Workload;
import io.microseg.engine.Snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Helpers for checking streams: coalescing runs of deltas, and the truth an engine snapshot tells. */
final class Streams {
    private Streams() {}

    /** Each run of consecutive deltas folded into one, left to right. */
    static List<AgentEvent> folded(List<AgentEvent> events) {
        return coalesced(events, run -> run.stream().reduce(Deltas::merge).orElseThrow());
    }

    /** Each run of consecutive deltas merged as a balanced tree: neighbours pairwise, then pairs of pairs. */
    static List<AgentEvent> pairwise(List<AgentEvent> events) {
        return coalesced(events, Streams::tree);
    }

    /** Only neighbours merged, once: (d1 d2) (d3 d4) ... */
    static List<AgentEvent> pairs(List<AgentEvent> events) {
        List<AgentEvent> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            AgentEvent e = events.get(i);
            if (e instanceof AgentEvent.Delta d && i + 1 < events.size() && events.get(i + 1) instanceof AgentEvent.Delta next) {
                out.add(Deltas.merge(d, next));
                i++;
            } else {
                out.add(e);
            }
        }
        return out;
    }

    private static AgentEvent.Delta tree(List<AgentEvent.Delta> run) {
        if (run.size() == 1) return run.get(0);
        int half = run.size() / 2;
        return Deltas.merge(tree(run.subList(0, half)), tree(run.subList(half, run.size())));
    }

    private static List<AgentEvent> coalesced(List<AgentEvent> events, java.util.function.Function<List<AgentEvent.Delta>, AgentEvent.Delta> merge) {
        List<AgentEvent> out = new ArrayList<>();
        List<AgentEvent.Delta> run = new ArrayList<>();
        for (AgentEvent e : events) {
            if (e instanceof AgentEvent.Delta d) {
                run.add(d);
                continue;
            }
            if (!run.isEmpty()) out.add(merge.apply(run));
            run = new ArrayList<>();
            out.add(e);
        }
        if (!run.isEmpty()) out.add(merge.apply(run));
        return out;
    }

    /** The agent's share of an engine snapshot: the workloads placed on it with their addresses, their rules, and the sets those use. */
    static void assertMatchesEngine(AgentEvent.Snapshot fromStore, Snapshot engine, String agent, String when) {
        Set<String> workloads = engine.placements().entrySet().stream().filter(e -> e.getValue().equals(agent))
                .map(java.util.Map.Entry::getKey).collect(Collectors.toSet());
        List<CompiledRule> rules = engine.compilation().rules().stream().filter(r -> workloads.contains(r.workload())).toList();
        Set<String> used = rules.stream().flatMap(r -> r.sets().stream()).collect(Collectors.toCollection(TreeSet::new));
        List<AddressSet> sets = engine.compilation().sets().stream().filter(s -> used.contains(s.id())).toList();
        // the feed makes an agent's rules from the engine's own per-workload rules: the same, justifications
        // included (also those of a rule whose justifications changed while it stayed, which no delta carries)
        assertThat(fromStore.rules()).as("rules of %s, %s", agent, when).isEqualTo(rules);
        assertThat(fromStore.sets()).as("sets of %s, %s", agent, when).isEqualTo(sets);
        List<Workload> placed = new TreeSet<>(workloads).stream().map(w -> new Workload(w, engine.addresses().get(w))).toList();
        assertThat(fromStore.workloads()).as("workloads of %s, %s", agent, when).isEqualTo(placed);
        assertThat(fromStore.version()).isEqualTo(engine.version());
    }
}
