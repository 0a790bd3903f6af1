package io.microseg.feed;

import io.microseg.net.Addresses;
import io.microseg.controlplane.RuleOrder;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.Codec;
import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.Workload;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an agent holds after applying its stream, applied strictly: a delta may only remove what is
 * held and add what is not, versions only grow, and after every event the sets held are exactly the
 * sets (peer and local) of the rules held. Workloads are held by id with their addresses; an add
 * replaces (an upsert), and removing one not held is allowed (a coalesced delta may do it).
 */
final class AgentReplica {
    private final Map<String, CompiledRule> rules = new HashMap<>();
    private final Map<String, Set<String>> sets = new HashMap<>();
    private final Map<String, String> descriptions = new HashMap<>();
    private final Map<String, Workload> workloads = new HashMap<>();
    private long version = Long.MIN_VALUE;
    private boolean started;

    long version() {
        return version;
    }

    boolean started() {
        return started;
    }

    AgentReplica copy() {
        AgentReplica c = new AgentReplica();
        c.rules.putAll(rules);
        sets.forEach((k, v) -> c.sets.put(k, new TreeSet<>(v)));
        c.descriptions.putAll(descriptions);
        c.workloads.putAll(workloads);
        c.version = version;
        c.started = started;
        return c;
    }

    AgentReplica applyAll(List<? extends AgentEvent> events) {
        events.forEach(this::apply);
        return this;
    }

    void apply(AgentEvent event) {
        if (event instanceof AgentEvent.Snapshot s) {
            if (!s.replace()) assertThat(started).as("a snapshot without replace only opens a fresh stream").isFalse();
            rules.clear();
            sets.clear();
            descriptions.clear();
            workloads.clear();
            s.workloads().forEach(w -> assertThat(workloads.put(w.id(), w)).as("workload once in a snapshot").isNull());
            assertThat(s.workloads()).as("snapshot workloads by id").isSortedAccordingTo(java.util.Comparator.comparing(Workload::id));
            s.rules().forEach(r -> assertThat(rules.put(r.id(), r)).as("rule once in a snapshot").isNull());
            for (AddressSet set : s.sets()) {
                assertThat(sets.put(set.id(), new TreeSet<>(set.members()))).as("set once in a snapshot").isNull();
                descriptions.put(set.id(), set.description());
            }
            assertThat(s.rules()).as("snapshot rules in evaluation order").isSortedAccordingTo(RuleOrder.EVALUATION);
        } else if (event instanceof AgentEvent.Delta d) {
            assertThat(started).as("a delta follows a snapshot or a known version").isTrue();
            assertThat(d.version()).as("delta versions grow").isGreaterThan(version);
            for (String id : d.rulesRemoved()) assertThat(rules.remove(id)).as("removed rule %s was held", id).isNotNull();
            for (String id : d.setsRemoved()) {
                assertThat(sets.remove(id)).as("removed set %s was held", id).isNotNull();
                descriptions.remove(id);
            }
            for (AddressSet s : d.setsAdded()) {
                assertThat(sets.put(s.id(), new TreeSet<>(s.members()))).as("added set %s was not held", s.id()).isNull();
                descriptions.put(s.id(), s.description());
            }
            for (SetChange c : d.setMembers()) {
                Set<String> members = sets.get(c.set());
                assertThat(members).as("set %s with member changes is held", c.set()).isNotNull();
                assertThat(c.added().isEmpty() && c.removed().isEmpty()).as("empty member change of %s", c.set()).isFalse();
                for (String ip : c.removed()) assertThat(members.remove(ip)).as("removed member %s of %s was held", ip, c.set()).isTrue();
                for (String ip : c.added()) assertThat(members.add(ip)).as("added member %s of %s was not held", ip, c.set()).isTrue();
                descriptions.put(c.set(), c.description());
            }
            for (CompiledRule r : d.rulesAdded()) {
                assertThat(rules.put(r.id(), r)).as("added rule %s was not held", r.id()).isNull();
            }
            d.workloadsRemoved().forEach(workloads::remove);
            d.workloadsAdded().forEach(w -> workloads.put(w.id(), w));
        } else if (event instanceof AgentEvent.Bookmark b) {
            assertThat(b.version()).isGreaterThanOrEqualTo(version);
        }
        version = event.version();
        started = true;
        Set<String> used = rules.values().stream().flatMap(r -> r.sets().stream())
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(new TreeSet<>(sets.keySet())).as("sets held are exactly those the rules use, at %d", version).isEqualTo(used);
    }

    /** The rules held, in evaluation order. */
    List<CompiledRule> rules() {
        List<CompiledRule> out = new ArrayList<>(rules.values());
        out.sort(RuleOrder.EVALUATION);
        return out;
    }

    /** The sets held, by id, with members in address order. */
    List<AddressSet> sets() {
        List<AddressSet> out = new ArrayList<>();
        new TreeMap<>(sets).forEach((id, members) -> out.add(new AddressSet(id, descriptions.get(id),
                members.stream().sorted(Addresses.ORDER).toList())));
        return out;
    }

    /** The workloads held, by id. */
    List<Workload> workloads() {
        return new TreeMap<>(workloads).values().stream().toList();
    }

    void assertHolds(AgentEvent.Snapshot expected, String when) {
        // as the wire carries rules: without justifications, which stay on the server (the engine does not
        // publish a rule whose justifications change while it stays, and a snapshot shows the current ones)
        assertThat(rules().stream().map(Codec::rule).toList()).as("rules, " + when)
                .isEqualTo(expected.rules().stream().map(Codec::rule).toList());
        assertThat(sets()).as("sets, " + when).isEqualTo(expected.sets());
        assertThat(workloads()).as("workloads, " + when).isEqualTo(expected.workloads());
    }
}
