package io.microseg.engine;

import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.inventory.Host;
import io.microseg.inventory.InventoryAssembly;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.Labels;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A batch that fails part way (here: a host whose address cannot be parsed, found while merging
 * hosts into nodes) publishes nothing; once the bad object is gone, the next batch rebuilds the
 * session from the sources and the engine is again equal to a fresh compile, and the change sets
 * published so far still add up to it.
 */
class FailedBatchRecoveryTest {
    @Test
    void theBatchAfterAFailedOneRebuildsFromTheSources() {
        RuleBase rules = RuleBase.packaged();
        RandomInventory gen = new RandomInventory(42);
        Map<String, InventoryObject> objects = new LinkedHashMap<>();
        IncrementalEqualsFullTest.Replica replica = new IncrementalEqualsFullTest.Replica();
        try (Engine engine = new Engine(rules)) {
            engine.subscribe(replica::apply);
            engine.start();
            for (int i = 0; i < 60; i++) put(engine, objects, gen.anyObject());
            Map<String, Workspace> workspaces = new LinkedHashMap<>();
            for (int i = 0; i < 6; i++) {
                Workspace w = gen.workspace();
                workspaces.put(w.name(), w);
            }
            engine.submit(new Change.Workspaces("ws", List.copyOf(workspaces.values())));
            engine.sync().join();
            long before = engine.version();

            // One change, so one batch: the bad host with objects the failed batch had started to apply.
            Host bad = new Host("bad", Labels.EMPTY, List.of("10.1.0.1", "not-an-address"));
            List<InventoryObject> second = new ArrayList<>(List.of(bad));
            for (int i = 0; i < 40; i++) {
                InventoryObject o = gen.anyObject();
                if (!objects.containsKey(o.key()) && second.stream().noneMatch(x -> x.key().equals(o.key()))) second.add(o);
            }
            engine.submit(new Change.Replace("other", second));
            engine.sync().join();
            assertThat(engine.version()).as("a failed batch publishes nothing").isEqualTo(before);
            second.stream().filter(o -> o != bad).forEach(o -> objects.put(o.key(), o));

            engine.submit(new Change.Remove("other", bad.key()));
            for (int i = 0; i < 20; i++) put(engine, objects, gen.anyObject());
            engine.sync().join();

            Snapshot live = engine.snapshot();
            assertThat(live.compilation().rules()).isNotEmpty();
            assertThat(live.compilation()).isEqualTo(new Compiler(rules).compile(
                    InventoryAssembly.assemble(new ArrayList<>(objects.values())), List.copyOf(workspaces.values())));
            replica.assertMirrors(live, "after the rebuild");
        }
    }

    private static void put(Engine engine, Map<String, InventoryObject> objects, InventoryObject o) {
        objects.put(o.key(), o);
        engine.submit(new Change.Put("src", o));
    }
}
