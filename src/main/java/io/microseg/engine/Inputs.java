package io.microseg.engine;

import io.microseg.inventory.Inventory;
import io.microseg.policy.Workspace;

import java.util.List;

/** What the engine compiled at one version: the assembled inventory and the workspaces in force. */
public record Inputs(long version, Inventory inventory, List<Workspace> workspaces) {
    public Inputs {
        workspaces = List.copyOf(workspaces);
    }
}
