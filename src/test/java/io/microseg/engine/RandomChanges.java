package io.microseg.engine;

import io.microseg.inventory.InventoryObject;
import io.microseg.policy.Workspace;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A seeded stream of {@link Change}s over the tangled clusters of {@link RandomInventory}, for tests
 * outside this package (the feed): puts, removes, relists of two sources, workspaces set and deleted,
 * in the proportions of {@link IncrementalEqualsFullTest}.
 */
public final class RandomChanges {
    /** Every agent the generated workloads can be placed on: nodes n0..n2 of c1 and c2, hosts h0..h3. */
    public static final List<String> AGENTS;

    static {
        List<String> agents = new ArrayList<>();
        for (String c : RandomInventory.CLUSTERS) for (int n = 0; n < 3; n++) agents.add("node/" + c + "/n" + n);
        for (int h = 0; h < 4; h++) agents.add("host/h" + h);
        AGENTS = List.copyOf(agents);
    }

    private final RandomInventory gen;
    private final Map<String, Map<String, InventoryObject>> sources = new TreeMap<>();

    public RandomChanges(long seed) {
        this.gen = new RandomInventory(seed);
    }

    public int nextInt(int bound) {
        return gen.nextInt(bound);
    }

    public <T> T pick(List<T> from) {
        return gen.pick(from);
    }

    /** The next change; never null. */
    public Change next() {
        while (true) {
            int r = gen.nextInt(100);
            if (r < 50) {
                InventoryObject o = gen.anyObject();
                String source = sourceOf(o.key());
                sources.computeIfAbsent(source, s -> new HashMap<>()).put(o.key(), o);
                return new Change.Put(source, o);
            } else if (r < 72) {
                List<String> keys = sources.values().stream().flatMap(m -> m.keySet().stream()).sorted().toList();
                if (keys.isEmpty()) continue;
                String key = gen.pick(keys);
                String source = sourceOf(key);
                sources.get(source).remove(key);
                return new Change.Remove(source, key);
            } else if (r < 78) {
                String source = gen.pick(List.of("a", "b"));
                Map<String, InventoryObject> held = new HashMap<>(sources.getOrDefault(source, Map.of()));
                List<String> keys = held.keySet().stream().sorted().toList();
                for (String key : keys) if (gen.nextInt(3) == 0) held.remove(key);
                for (int k = gen.nextInt(6); k > 0; k--) {
                    InventoryObject o = gen.anyObject();
                    if (sourceOf(o.key()).equals(source)) held.put(o.key(), o);
                }
                sources.put(source, held);
                return new Change.Replace(source, new ArrayList<>(held.values()));
            } else if (r < 94) {
                Workspace w = gen.workspace();
                return new Change.Workspaces("ws:" + w.name(), List.of(w));
            } else {
                return new Change.Workspaces("ws:w" + gen.nextInt(3), List.of());
            }
        }
    }

    /** Objects are spread over two sources by key, so a key never has two owners. */
    private static String sourceOf(String key) {
        return (key.hashCode() & 1) == 0 ? "a" : "b";
    }
}
