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
    /** A fact, its handle in the session (null for a fact kept outside it), and how many contributions hold it. */
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
    private final Map<Object, Slot> facts = new HashMap<>();
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
            Slot slot = facts.get(e.getKey());
            int before = slot == null ? 0 : slot.refs;
            int after = before + delta;
            if (after < 0) throw new IllegalStateException("fact removed more often than added: " + e.getKey());
            if (slot == null) {
                inserts.add(e);
            } else if (after == 0) {
                if (slot.handle != null) session.delete(slot.handle);
                facts.remove(e.getKey());
                presence.accept(e.getKey(), false);
            } else {
                slot.refs = after;
            }
        }
        for (Map.Entry<Object, Integer> e : inserts) {
            Object fact = e.getKey();
            facts.put(fact, new Slot(ObjectFacts.entersSession(fact) ? session.insert(fact) : null, e.getValue()));
            presence.accept(e.getKey(), true);
        }
        pending = new HashMap<>();
    }

    int size() {
        return facts.size();
    }
}
