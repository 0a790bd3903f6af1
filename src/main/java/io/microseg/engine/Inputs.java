package io.microseg.engine;

import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryObject;
import io.microseg.policy.Workspace;

import java.util.List;

/**
 * What the engine compiled at one version: the inventory objects in force, the inventory assembled from
 * them, and the workspaces in force. The objects let an analysis compile a variant of this state (other
 * workspaces, other DRL) through {@link FullCompile}, the pipeline that serves agents.
 */
public record Inputs(long version, List<InventoryObject> objects, Inventory inventory, List<Workspace> workspaces) {
    public Inputs {
        objects = List.copyOf(objects);
        workspaces = List.copyOf(workspaces);
    }
}
