package io.microseg.engine;

import io.microseg.compile.CompilationAssembler;
import io.microseg.facts.FirewallRule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The concrete rule facts the group expansion holds, by the workload whose firewall enforces them
 * ({@link FirewallRule#workload()}), with no id and nothing per rule but the fact itself: a large
 * cluster has a million and a half of them, and an id is a digest that only a reader of the rule
 * needs (made when a compilation or a change set is presented: {@link CompilationAssembler#forEachRule}).
 *
 * <p>Facts of one workload that make the same rule ({@link #sameRule}: every field the id digests;
 * two groups may yield one rule) are one concrete rule with several justifications, as in the output.
 *
 * <p>At rest each workload's facts are an immutable array, replaced rather than changed, so a copy of
 * the map ({@link #frozen}) stays as it was whatever later batches do. During a batch a touched
 * workload's facts are a working list; {@link #settle} turns them back into arrays and returns, per
 * touched workload, its facts before the batch and the facts the batch added or removed.
 */
final class ConcreteRules {
    private static final FirewallRule[] NONE = new FirewallRule[0];

    private final Map<String, FirewallRule[]> byWorkload = new HashMap<>();
    /** The workloads touched in this batch: their working list, and their array before the batch. */
    private Map<String, Touched> touched = new HashMap<>();

    /** What a batch did to one workload's rules: the facts before, the facts after, and the facts added or removed. */
    record Touched(FirewallRule[] before, List<FirewallRule> working, List<FirewallRule> changed) {
        FirewallRule[] after() {
            return working.toArray(NONE);
        }
    }

    /**
     * Whether nothing was held after the last {@link #settle}: the state before the current batch, whatever
     * the batch has added since (the expansion adds facts while it fires, before the change set is made).
     */
    boolean isEmpty() {
        return byWorkload.isEmpty();
    }

    void add(FirewallRule f) {
        Touched t = touch(f.workload());
        t.working.add(f);
        t.changed.add(f);
    }

    /** Removes one equal fact (a fact reported removed was reported added before). */
    void remove(FirewallRule f) {
        Touched t = touch(f.workload());
        if (!t.working.remove(f)) throw new IllegalStateException("a concrete rule removed that was never added: " + f);
        t.changed.add(f);
    }

    private Touched touch(String workload) {
        Touched t = touched.get(workload);
        if (t == null) {
            FirewallRule[] before = byWorkload.getOrDefault(workload, NONE);
            t = new Touched(before, new ArrayList<>(Arrays.asList(before)), new ArrayList<>(2));
            touched.put(workload, t);
        }
        return t;
    }

    /** Ends the batch: the touched workloads' facts become arrays again; returns what the batch did to each. */
    Map<String, Touched> settle() {
        Map<String, Touched> done = touched;
        done.forEach((workload, t) -> {
            if (t.working.isEmpty()) byWorkload.remove(workload);
            else byWorkload.put(workload, t.after());
        });
        // replaced, not copied and cleared: the first batch grows it to every workload, and copying,
        // iterating or clearing a map costs its capacity, which every later batch would pay
        touched = new HashMap<>();
        return done;
    }

    /** Forgets what the current batch did (a batch that failed part way): the facts are those after the last {@link #settle}. */
    void abandonBatch() {
        touched = new HashMap<>();
    }

    /** Every fact held (between batches). */
    void forEachFact(Consumer<FirewallRule> each) {
        byWorkload.values().forEach(fs -> {
            for (FirewallRule f : fs) each.accept(f);
        });
    }

    /**
     * The workload's facts as held after the last {@link #settle}: the array itself, never changed
     * afterwards (a later batch replaces it), so it may be handed to other threads.
     */
    FirewallRule[] factsOf(String workload) {
        return byWorkload.getOrDefault(workload, NONE);
    }

    /** A copy of the facts as they are now, which later batches leave alone (between batches). */
    Map<String, FirewallRule[]> frozen() {
        return new HashMap<>(byWorkload);
    }

    /** The facts of {@code facts} that are the same concrete rule as {@code like}. */
    static List<FirewallRule> sameAs(FirewallRule like, FirewallRule[] facts) {
        List<FirewallRule> out = new ArrayList<>(1);
        for (FirewallRule f : facts) {
            if (CompilationAssembler.sameRule(like, f)) out.add(f);
        }
        return out;
    }
}
