package io.microseg.engine;

import io.microseg.compile.ObjectFacts;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.FactHandle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The facts inserted into the session, each with the number of contributions that currently hold
 * it (an object's facts, a query selecting an item). Contributions are added and removed freely during
 * a batch; {@link #flush} then touches the session only for facts whose presence changed, so a fact
 * that one object drops and another adds in the same batch is never retracted and re-derived.
 */
final class FactStore {
    /** A fact in the session held by more than one contribution. */
    private static final class Slot {
        final FactHandle handle;
        int refs;

        Slot(FactHandle handle, int refs) {
            this.handle = handle;
            this.refs = refs;
        }
    }

    private final KieSession session;
    /** Told of every fact that enters ({@code true}) or leaves the session, deletions first. */
    private final BiConsumer<Object, Boolean> presence;
    /**
     * What holds each fact, in the smallest form that says it (a large cluster has a million facts, most
     * held once): its {@link FactHandle} for a session fact held once, a {@link Slot} for a session fact
     * held more often, an {@link Integer} count for a fact kept outside the session.
     */
    private final Map<Object, Object> facts = new HashMap<>();
    /** Replaced, not cleared, after each flush: clearing a map sized by the initial load costs its whole capacity. */
    private Map<Object, Integer> pending = new HashMap<>();

    FactStore(KieSession session, BiConsumer<Object, Boolean> presence) {
        this.session = session;
        this.presence = presence;
    }

    void add(Object fact) {
        pending.merge(fact, 1, Integer::sum);
    }

    void remove(Object fact) {
        pending.merge(fact, -1, Integer::sum);
    }

    void addAll(Iterable<?> facts) {
        facts.forEach(this::add);
    }

    void removeAll(Iterable<?> facts) {
        facts.forEach(this::remove);
    }

    /** Deletes the facts no contribution holds any more, then inserts the new ones. */
    void flush() {
        List<Map.Entry<Object, Integer>> inserts = new ArrayList<>();
        for (Map.Entry<Object, Integer> e : pending.entrySet()) {
            int delta = e.getValue();
            if (delta == 0) continue;
            Object held = facts.get(e.getKey());
            int after = refs(held) + delta;
            if (after < 0) throw new IllegalStateException("fact removed more often than added: " + e.getKey());
            if (held == null) {
                inserts.add(e);
            } else if (after == 0) {
                FactHandle handle = handle(held);
                if (handle != null) session.delete(handle);
                facts.remove(e.getKey());
                presence.accept(e.getKey(), false);
            } else if (held instanceof Slot slot && after > 1) {
                slot.refs = after;
            } else {
                facts.put(e.getKey(), holding(handle(held), after));
            }
        }
        for (Map.Entry<Object, Integer> e : inserts) {
            Object fact = e.getKey();
            facts.put(fact, holding(ObjectFacts.entersSession(fact) ? session.insert(fact) : null, e.getValue()));
            presence.accept(e.getKey(), true);
        }
        pending = new HashMap<>();
    }

    private static int refs(Object held) {
        if (held == null) return 0;
        if (held instanceof FactHandle) return 1;
        if (held instanceof Slot slot) return slot.refs;
        return (Integer) held;
    }

    private static FactHandle handle(Object held) {
        if (held instanceof FactHandle handle) return handle;
        return held instanceof Slot slot ? slot.handle : null;
    }

    private static Object holding(FactHandle handle, int refs) {
        if (handle == null) return refs;
        return refs == 1 ? handle : new Slot(handle, refs);
    }

    int size() {
        return facts.size();
    }
}
