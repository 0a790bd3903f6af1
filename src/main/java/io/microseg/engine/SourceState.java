package io.microseg.engine;

import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryAssembly;
import io.microseg.inventory.InventoryObject;
import io.microseg.policy.Workspace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What every source currently holds. Sources own their objects; when two sources deliver an object
 * of the same identity (or a workspace of the same name), the source that sorts first wins and the
 * conflict is logged once, so the outcome never depends on arrival order.
 */
final class SourceState {
    private static final Logger LOG = LoggerFactory.getLogger(SourceState.class);

    private final Map<String, Map<String, InventoryObject>> objects = new TreeMap<>();
    private final Map<String, List<Workspace>> workspaces = new TreeMap<>();
    private final Set<String> reported = new HashSet<>();

    void apply(Change change) {
        if (change instanceof Change.Put put) {
            objects.computeIfAbsent(put.source(), s -> new LinkedHashMap<>()).put(put.object().key(), put.object());
        } else if (change instanceof Change.Remove remove) {
            Map<String, InventoryObject> held = objects.get(remove.source());
            if (held != null) held.remove(remove.key());
        } else if (change instanceof Change.Replace replace) {
            Map<String, InventoryObject> held = new LinkedHashMap<>();
            replace.objects().forEach(o -> held.put(o.key(), o));
            objects.put(replace.source(), held);
        } else if (change instanceof Change.Workspaces ws) {
            if (ws.workspaces().isEmpty()) workspaces.remove(ws.source());
            else workspaces.put(ws.source(), ws.workspaces());
        }
    }

    Inventory inventory() {
        Map<String, InventoryObject> merged = new LinkedHashMap<>();
        Map<String, String> owner = new TreeMap<>();
        objects.forEach((source, held) -> held.forEach((key, o) -> {
            if (merged.putIfAbsent(key, o) == null) owner.put(key, source);
            else conflict(key + " is delivered by both " + owner.get(key) + " and " + source + "; using " + owner.get(key));
        }));
        return InventoryAssembly.assemble(merged.values());
    }

    List<Workspace> workspaces() {
        Map<String, String> owner = new TreeMap<>();
        List<Workspace> all = new ArrayList<>();
        workspaces.forEach((source, list) -> list.forEach(w -> {
            if (owner.putIfAbsent(w.name(), source) == null) all.add(w);
            else conflict("workspace " + w.name() + " is defined by both " + owner.get(w.name()) + " and " + source
                    + "; using " + owner.get(w.name()));
        }));
        return all;
    }

    private void conflict(String message) {
        if (reported.add(message)) LOG.warn(message);
    }
}
