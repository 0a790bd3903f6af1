package io.microseg.engine;

import io.microseg.controlplane.SetChange;
import io.microseg.compile.AppliedToGroups;
import io.microseg.compile.CompilationAssembler;
import io.microseg.compile.NodeCoverage;
import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.compile.QuerySets;
import io.microseg.compile.RuleBase;
import io.microseg.compile.WorkloadRules;
import io.microseg.facts.FirewallRule;
import io.microseg.facts.GroupRule;
import io.microseg.facts.SetMember;
import io.microseg.facts.Warning;
import org.kie.api.event.rule.AgendaEventListener;
import org.kie.api.event.rule.ObjectDeletedEvent;
import org.kie.api.event.rule.ObjectInsertedEvent;
import org.kie.api.event.rule.ObjectUpdatedEvent;
import org.kie.api.event.rule.RuleRuntimeEventListener;
import org.kie.api.runtime.KieSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * One long-lived Drools session kept equal to the current state: each batch inserts and deletes
 * only the facts that differ from the last one, fires, and reads what the rules derived and
 * retracted (truth maintenance) into a {@link ChangeSet}. Not thread-safe: the engine thread owns it.
 *
 * <p>A batch that fails part way leaves the projection and the session out of step with each other;
 * the next batch then builds both anew from everything the sources hold, and publishes the
 * difference from what subscribers were last sent.
 */
final class IncrementalCompiler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IncrementalCompiler.class);
    private final RuleBase rules;
    private final AgendaEventListener progress;
    private KieSession session;
    private AppliedToGroups groups;
    private FactStore inputs;
    private IncrementalProjection projection;
    /** Which scopes hold every node of a cluster: an input the store's presence decides. */
    private NodeCoverage coverage;
    /** A batch failed part way: the next one rebuilds from the sources. */
    private boolean broken;

    /** The concrete rule facts, by the workload that enforces them; ids are made only when rules are presented. */
    private final ConcreteRules concrete = new ConcreteRules();
    /** How many concrete rule facts use each set in use. */
    private final Map<String, int[]> setUsers = new HashMap<>();
    /** The sets whose users this batch counted, and whether they were in use before it. */
    private Map<String, Boolean> setsUsedBefore = new TreeMap<>();
    private final Map<String, Set<String>> members = new HashMap<>();
    private final Set<Warning> warnings = new LinkedHashSet<>();
    /** Derived facts inserted (true) and deleted (false) during the last firing, in order. */
    private final List<Map.Entry<Boolean, Object>> events = new ArrayList<>();

    /** @param progress told when each consequence begins and ends (how the engine tells a stall from work) */
    IncrementalCompiler(RuleBase rules, AgendaEventListener progress) {
        this.rules = rules;
        this.progress = progress;
        startSession();
    }

    private void startSession() {
        session = rules.newSession();
        session.addEventListener(progress);
        // concrete rules go straight into their store: a first batch has a million and a half
        groups = new AppliedToGroups(this::concreteRule);
        NodeCoverage coverage = new NodeCoverage();
        this.coverage = coverage;
        QuerySets querySets = new QuerySets((member, added) -> events.add(Map.entry(added, member)), groups);
        inputs = new FactStore(session, (fact, present) -> {
            groups.fact(fact, present);
            querySets.fact(fact, present); // after the groups: it reads their selections
            coverage.fact(fact, present);
            // the backend sets' members are made with the endpoints, outside the session (ObjectFacts.endpoints)
            if (fact instanceof SetMember m) events.add(Map.entry(present, m));
        });
        projection = new IncrementalProjection(inputs);
        session.addEventListener(new RuleRuntimeEventListener() {
            @Override
            public void objectInserted(ObjectInsertedEvent e) {
                if (e.getObject() instanceof GroupRule r) groups.rule(r, true);
                else if (derived(e.getObject())) events.add(Map.entry(true, e.getObject()));
            }

            @Override
            public void objectUpdated(ObjectUpdatedEvent e) {
                // derived facts are immutable records: they are only ever inserted or deleted
            }

            @Override
            public void objectDeleted(ObjectDeletedEvent e) {
                if (e.getOldObject() instanceof GroupRule r) groups.rule(r, false);
                else if (derived(e.getOldObject())) events.add(Map.entry(false, e.getOldObject()));
            }
        });
    }

    private static boolean derived(Object o) {
        return o instanceof SetMember || o instanceof Warning;
    }

    /**
     * Brings the session up to date with what changed in the sources and returns what that did, as
     * {@code version}; after a failed batch, rebuilds from {@code everything} the sources hold instead.
     */
    ChangeSet apply(SourceState.Changes changes, Supplier<SourceState.Changes> everything, long version) {
        if (broken) return rebuild(everything.get(), version);
        try {
            return update(changes, version, projection.placements());
        } catch (RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    private ChangeSet update(SourceState.Changes changes, long version, Map<String, Placement> placementsBefore) {
        long fired = fire(changes);
        ChangeSet changeSet = drain(version, placementChanges(placementsBefore));
        if (LOG.isDebugEnabled()) LOG.debug("batch {}: change set {} ms", version, (System.nanoTime() - fired) / 1_000_000);
        return changeSet;
    }

    /**
     * A full compile: the first batch of this compiler, started from empty, folded into its state
     * without a change set (nobody subscribes to it), and that state as a full compile presents it.
     * The compiler may go on with further batches.
     */
    Compilation compileFromEmpty(SourceState.Changes changes) {
        if (broken || !concrete.isEmpty() || !members.isEmpty() || !warnings.isEmpty()) {
            throw new IllegalStateException("a full compile starts from an empty compiler");
        }
        try {
            fire(changes);
            fold(null);
            projection.placementChanges();
            return compilation();
        } catch (RuntimeException e) {
            broken = true;
            throw e;
        }
    }

    /** Projects the changes, brings the session's inputs up to date, fires and expands the groups; returns when it finished (System.nanoTime). */
    private long fire(SourceState.Changes changes) {
        long start = System.nanoTime();
        projection.apply(changes);
        long projected = System.nanoTime();
        inputs.flush();
        coverage.settle((fact, present) -> {
            if (present) inputs.add(fact);
            else inputs.remove(fact);
        });
        inputs.flush();
        long inserted = System.nanoTime();
        session.fireAllRules();
        groups.settle();
        long fired = System.nanoTime();
        if (LOG.isDebugEnabled()) {
            LOG.debug("project {} ms, insert/delete {} ms, fire and expand {} ms; {} input facts",
                    (projected - start) / 1_000_000, (inserted - projected) / 1_000_000, (fired - inserted) / 1_000_000, inputs.size());
        }
        return fired;
    }

    /**
     * A new session and projection from the sources' whole state. The facts derived before are
     * replayed as deleted ahead of the new session's insertions, so the change set is the difference
     * between what subscribers hold and the rebuilt state.
     */
    private ChangeSet rebuild(SourceState.Changes everything, long version) {
        LOG.warn("rebuilding the session from the sources after a failed batch");
        Map<String, Placement> placementsBefore = Map.copyOf(projection.placements());
        session.dispose();
        events.clear();
        // what the failed batch did to the rules and their sets' users is dropped: back to what subscribers hold
        concrete.abandonBatch();
        List<FirewallRule> held = new ArrayList<>();
        concrete.forEachFact(held::add);
        setUsers.clear();
        held.forEach(f -> use(f, 1));
        setsUsedBefore = new TreeMap<>();
        held.forEach(f -> concreteRule(f, false));
        members.forEach((set, ips) -> ips.forEach(ip -> events.add(Map.entry(false, new SetMember(set, ip)))));
        warnings.forEach(w -> events.add(Map.entry(false, w)));
        startSession();
        ChangeSet changeSet = update(everything, version, placementsBefore);
        broken = false;
        return changeSet;
    }

    /** The placements that differ from {@code before}; the projection's own record is only used when it started from there. */
    private List<Placement> placementChanges(Map<String, Placement> before) {
        List<Placement> tracked = projection.placementChanges();
        if (before == projection.placements()) return tracked;
        Map<String, Placement> now = projection.placements();
        List<Placement> changes = new ArrayList<>();
        now.forEach((w, placed) -> {
            if (!placed.equals(before.get(w))) changes.add(placed);
        });
        before.keySet().stream().filter(w -> !now.containsKey(w)).forEach(w -> changes.add(Placement.none(w)));
        changes.sort(java.util.Comparator.comparing(Placement::workload));
        return changes;
    }

    /** Where each placed workload is, and its addresses. */
    Map<String, Placement> placements() {
        return projection.placements();
    }

    /**
     * What one firing did, relative to the state before it: the rule lists of the ids it touched as
     * they were before, the members that joined and left each set, the warnings that came and went.
     */
    private static final class Delta {
        final Map<String, Set<String>> joined = new TreeMap<>();
        final Map<String, Set<String>> left = new TreeMap<>();
        final Set<Warning> warningsAdded = new LinkedHashSet<>();
        final Set<Warning> warningsRemoved = new LinkedHashSet<>();
        /** The sets whose users this batch counted, and whether they were in use before it. */
        Map<String, Boolean> usedBefore = Map.of();
        /** What the batch did to the rules of each workload it touched. */
        Map<String, ConcreteRules.Touched> rules = Map.of();
    }

    /** Folds the derived facts inserted and deleted by the last firing into the state and a change set. */
    private ChangeSet drain(long version, List<Placement> placementChanges) {
        // With no rules held before (the first batch, a rebuild from empty), every rule held afterwards
        // is new: the change set carries them all, made into CompiledRules only if a subscriber reads them.
        boolean nothingBefore = concrete.isEmpty();
        Delta d = new Delta();
        fold(d);

        CompilationAssembler assembler = new CompilationAssembler(rules.sources(), projection.knownQueries());
        List<CompiledRule> added;
        List<CompiledRule> removed = new ArrayList<>();
        // each touched workload's rules as they are now, made when read (the engine's array: never changed)
        CompilationAssembler ruleMaker = new CompilationAssembler(rules.sources(), Map.of());
        Map<String, WorkloadRules> now = new HashMap<>();
        if (nothingBefore) {
            Map<String, FirewallRule[]> frozen = concrete.frozen();
            added = new LazyRules(frozen, ruleMaker);
            frozen.forEach((workload, facts) -> now.put(workload, WorkloadRules.of(workload, facts, ruleMaker)));
        } else {
            added = new ArrayList<>();
            d.rules.forEach((workload, t) -> {
                now.put(workload, WorkloadRules.of(workload, concrete.factsOf(workload), ruleMaker));
                FirewallRule[] after = null;
                // each concrete rule the batch touched, once: present before and not after, or the reverse
                List<FirewallRule> seen = new ArrayList<>(t.changed().size());
                for (FirewallRule f : t.changed()) {
                    if (anySameRule(seen, f)) continue;
                    seen.add(f);
                    if (after == null) after = concrete.factsOf(workload);
                    List<FirewallRule> before = ConcreteRules.sameAs(f, t.before());
                    List<FirewallRule> held = ConcreteRules.sameAs(f, after);
                    if (before.isEmpty() && !held.isEmpty()) {
                        added.add(assembler.toRule(CompilationAssembler.idOf(f), held));
                    } else if (!before.isEmpty() && held.isEmpty()) {
                        removed.add(assembler.toRule(CompilationAssembler.idOf(f), before));
                    }
                }
            });
        }
        // In no particular order: whoever presents rules sorts its share (the feed per agent, RuleOrder).
        List<String> outOfUse = new ArrayList<>();
        d.usedBefore.forEach((set, was) -> {
            if (was && !setUsers.containsKey(set)) outOfUse.add(set);
        });
        return new ChangeSet(version, added, removed, setChanges(assembler, d.joined, d.left, d.usedBefore),
                List.copyOf(d.warningsAdded), List.copyOf(d.warningsRemoved), placementChanges, outOfUse, now);
    }

    /**
     * Applies the derived facts inserted and deleted by the last firing to the rules, members and
     * warnings held, recording in {@code delta} (when there is one) what that changed.
     */
    private void fold(Delta delta) {
        for (Map.Entry<Boolean, Object> event : events) {
            boolean in = event.getKey();
            Object o = event.getValue();
            if (o instanceof SetMember m) {
                if (in) {
                    members.computeIfAbsent(m.set(), k -> new HashSet<>()).add(m.ip());
                    if (delta != null && !removeFrom(delta.left, m.set(), m.ip())) {
                        delta.joined.computeIfAbsent(m.set(), k -> new TreeSet<>()).add(m.ip());
                    }
                } else {
                    Set<String> ips = members.get(m.set());
                    ips.remove(m.ip());
                    if (ips.isEmpty()) members.remove(m.set());
                    if (delta != null && !removeFrom(delta.joined, m.set(), m.ip())) {
                        delta.left.computeIfAbsent(m.set(), k -> new TreeSet<>()).add(m.ip());
                    }
                }
            } else if (o instanceof Warning w) {
                if (in) {
                    warnings.add(w);
                    if (delta != null && !delta.warningsRemoved.remove(w)) delta.warningsAdded.add(w);
                } else {
                    warnings.remove(w);
                    if (delta != null && !delta.warningsAdded.remove(w)) delta.warningsRemoved.add(w);
                }
            }
        }
        events.clear();
        Map<String, ConcreteRules.Touched> touched = concrete.settle();
        if (delta != null) {
            delta.rules = touched;
            delta.usedBefore = setsUsedBefore;
        }
        setsUsedBefore = new TreeMap<>();
    }

    /**
     * Counts a rule that came ({@code use} 1) or went (-1) as a user of its sets (every fact behind
     * one id names the same sets, so any one of them stands for the rule); {@code usedBefore}, when
     * given, records for each set counted whether it was in use before the first count of the batch.
     */
    private void use(FirewallRule rule, int use) {
        use(rule.peerSet(), use);
        use(rule.localSet(), use);
    }

    private void use(String set, int use) {
        if (set == null) return;
        int[] users = setUsers.get(set);
        if (!setsUsedBefore.containsKey(set)) setsUsedBefore.put(set, users != null);
        if (users == null) setUsers.put(set, users = new int[1]);
        users[0] += use;
        if (users[0] == 0) setUsers.remove(set);
    }

    /** A concrete rule fact appeared or disappeared: into or out of its workload's rules, and counted as a user of its sets. */
    private void concreteRule(FirewallRule f, boolean added) {
        if (added) concrete.add(f);
        else concrete.remove(f);
        // a set is in use while some rule fact uses it (counting facts, not ids: the same presence)
        use(f, added ? 1 : -1);
    }

    private static boolean anySameRule(List<FirewallRule> facts, FirewallRule f) {
        for (FirewallRule s : facts) {
            if (CompilationAssembler.sameRule(s, f)) return true;
        }
        return false;
    }

    private static boolean removeFrom(Map<String, Set<String>> sets, String set, String ip) {
        Set<String> s = sets.get(set);
        return s != null && s.remove(ip);
    }

    private List<SetChange> setChanges(CompilationAssembler assembler, Map<String, Set<String>> joined,
                                       Map<String, Set<String>> left, Map<String, Boolean> wasUsed) {
        Map<String, SetChange> changes = new TreeMap<>();
        Set<String> touched = new TreeSet<>(joined.keySet());
        touched.addAll(left.keySet());
        touched.addAll(wasUsed.keySet());
        for (String set : touched) {
            boolean usedNow = setUsers.containsKey(set);
            boolean usedBefore = wasUsed.getOrDefault(set, usedNow);
            Set<String> current = members.getOrDefault(set, Set.of());
            List<String> add;
            List<String> remove;
            if (usedNow && usedBefore) {
                add = List.copyOf(joined.getOrDefault(set, Set.of()));
                remove = List.copyOf(left.getOrDefault(set, Set.of()));
            } else if (usedNow) {
                add = List.copyOf(new TreeSet<>(current));
                remove = List.of();
            } else if (usedBefore) {
                Set<String> previous = new TreeSet<>(current);
                previous.removeAll(joined.getOrDefault(set, Set.of()));
                previous.addAll(left.getOrDefault(set, Set.of()));
                add = List.of();
                remove = List.copyOf(previous);
            } else {
                continue;
            }
            if (!add.isEmpty() || !remove.isEmpty() || usedNow != usedBefore) {
                changes.put(set, new SetChange(set, assembler.describe(set), add, remove));
            }
        }
        return List.copyOf(changes.values());
    }

    /** The current rules, sets and warnings, as a full compile would present them. */
    Compilation compilation() {
        // each workload's rules are made when read, from the engine's own arrays (replaced, never changed)
        return new CompilationAssembler(rules.sources(), projection.knownQueries())
                .assembleByWorkload(concrete.frozen(), members, warnings);
    }

    @Override
    public void close() {
        session.dispose();
    }
}
