package io.microseg.engine;

import io.microseg.inventory.InventoryObject;
import io.microseg.policy.Workspace;

import java.util.List;

/**
 * A change from one source of inventory or policy, as the {@link Engine} receives it. Every object
 * belongs to the source that delivered it (a cluster's informers, a watched folder, the Workspace
 * custom resources): a {@code Replace} makes the source hold exactly the objects given, which is how
 * a relist after a lost watch, or a re-read folder, leaves nothing stale behind.
 */
public sealed interface Change {
    String source();

    /** The source added or updated one object (matched by {@link InventoryObject#key()}). */
    record Put(String source, InventoryObject object) implements Change {}

    /** The source deleted the object with this key. */
    record Remove(String source, String key) implements Change {}

    /** The source now holds exactly these objects. */
    record Replace(String source, List<InventoryObject> objects) implements Change {
        public Replace {
            objects = List.copyOf(objects);
        }
    }

    /** The source now holds exactly these workspaces (none: the file or resource was deleted). */
    record Workspaces(String source, List<Workspace> workspaces) implements Change {
        public Workspaces {
            workspaces = List.copyOf(workspaces);
        }
    }
}
