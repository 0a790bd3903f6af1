package io.microseg.engine;

import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryAssembly;
import io.microseg.inventory.InventoryObject;
import io.microseg.policy.Workspace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What every source currently holds. Sources own their objects; when two sources deliver an object
 * of the same identity (or a workspace of the same name), the source that sorts first wins and the
 * conflict is logged once, so the outcome never depends on arrival order.
 *
 * <p>It remembers which identities the changes since the last {@link #drain} touched, and drain
 * reports only those whose winning object or workspace differs, so that a batch costs what it
 * changed, not the size of the inventory.
 */
final class SourceState {
    private static final Logger LOG = LoggerFactory.getLogger(SourceState.class);

    /** The objects and workspaces whose winning version changed: before and after, null for none. */
    record Changes(List<Map.Entry<InventoryObject, InventoryObject>> objects,
                   List<Map.Entry<Workspace, Workspace>> workspaces) {}

    private final Map<String, Map<String, InventoryObject>> objects = new TreeMap<>();
    private final Map<String, Map<String, Workspace>> workspaces = new TreeMap<>();
    /** The sources defining each workspace name, in order: one source per workspace is common (a file, a custom resource), so finding the winner must not visit every source. */
    private final Map<String, TreeSet<String>> workspaceSources = new HashMap<>();
    /** The winning object of each key and workspace of each name, as of the last drain. */
    private final Map<String, InventoryObject> current = new HashMap<>();
    private final Map<String, Workspace> currentWorkspaces = new HashMap<>();
    /** Replaced, not cleared, after each drain: after a relist they are as large as the inventory, and
     *  iterating or clearing a hash set costs its capacity, not its size. */
    private Set<String> touchedKeys = new HashSet<>();
    private Set<String> touchedWorkspaces = new HashSet<>();
    private final Set<String> reported = new HashSet<>();

    void apply(Change change) {
        if (change instanceof Change.Put put) {
            objects.computeIfAbsent(put.source(), s -> new LinkedHashMap<>()).put(put.object().key(), put.object());
            touchedKeys.add(put.object().key());
        } else if (change instanceof Change.Remove remove) {
            Map<String, InventoryObject> held = objects.get(remove.source());
            if (held != null && held.remove(remove.key()) != null) touchedKeys.add(remove.key());
        } else if (change instanceof Change.Replace replace) {
            Map<String, InventoryObject> held = new LinkedHashMap<>();
            replace.objects().forEach(o -> held.put(o.key(), o));
            Map<String, InventoryObject> previous = objects.put(replace.source(), held);
            if (previous != null) touchedKeys.addAll(previous.keySet());
            touchedKeys.addAll(held.keySet());
        } else if (change instanceof Change.Workspaces ws) {
            Map<String, Workspace> held = new LinkedHashMap<>();
            ws.workspaces().forEach(w -> held.putIfAbsent(w.name(), w));
            Map<String, Workspace> previous = held.isEmpty() ? workspaces.remove(ws.source()) : workspaces.put(ws.source(), held);
            if (previous != null) {
                touchedWorkspaces.addAll(previous.keySet());
                previous.keySet().forEach(name -> definedBy(name, ws.source(), false));
            }
            touchedWorkspaces.addAll(held.keySet());
            held.keySet().forEach(name -> definedBy(name, ws.source(), true));
        }
    }

    /** What changed since the last drain, with the source that sorts first winning each identity. */
    Changes drain() {
        List<Map.Entry<InventoryObject, InventoryObject>> objectChanges = new ArrayList<>();
        for (String key : touchedKeys) {
            InventoryObject now = winner(key);
            InventoryObject before = now == null ? current.remove(key) : current.put(key, now);
            if (!Objects.equals(before, now)) objectChanges.add(new AbstractMap.SimpleImmutableEntry<>(before, now));
        }
        touchedKeys = new HashSet<>();
        List<Map.Entry<Workspace, Workspace>> workspaceChanges = new ArrayList<>();
        for (String name : touchedWorkspaces) {
            Workspace now = winningWorkspace(name);
            Workspace before = now == null ? currentWorkspaces.remove(name) : currentWorkspaces.put(name, now);
            if (!Objects.equals(before, now)) workspaceChanges.add(new AbstractMap.SimpleImmutableEntry<>(before, now));
        }
        touchedWorkspaces = new HashSet<>();
        return new Changes(objectChanges, workspaceChanges);
    }

    /** Everything the sources hold, as of the last drain, as changes from nothing. */
    Changes everything() {
        List<Map.Entry<InventoryObject, InventoryObject>> all = new ArrayList<>();
        current.values().forEach(o -> all.add(new AbstractMap.SimpleImmutableEntry<>(null, o)));
        List<Map.Entry<Workspace, Workspace>> spaces = new ArrayList<>();
        currentWorkspaces.values().forEach(w -> spaces.add(new AbstractMap.SimpleImmutableEntry<>(null, w)));
        return new Changes(all, spaces);
    }

    /** The inventory objects in force as of the last drain. */
    List<InventoryObject> objects() {
        return List.copyOf(current.values());
    }

    /** The inventory as of the last drain, assembled (for analyses such as trace; costs the inventory's size). */
    Inventory inventory() {
        return InventoryAssembly.assemble(current.values());
    }

    /** The workspaces in force as of the last drain. */
    List<Workspace> workspaces() {
        return List.copyOf(currentWorkspaces.values());
    }

    private InventoryObject winner(String key) {
        String owner = null;
        InventoryObject won = null;
        for (Map.Entry<String, Map<String, InventoryObject>> source : objects.entrySet()) {
            InventoryObject o = source.getValue().get(key);
            if (o == null) continue;
            if (won == null) {
                owner = source.getKey();
                won = o;
            } else {
                conflict(key + " is delivered by both " + owner + " and " + source.getKey() + "; using " + owner);
            }
        }
        return won;
    }

    private void definedBy(String workspace, String source, boolean defines) {
        if (defines) {
            workspaceSources.computeIfAbsent(workspace, k -> new TreeSet<>()).add(source);
        } else {
            Set<String> sources = workspaceSources.get(workspace);
            sources.remove(source);
            if (sources.isEmpty()) workspaceSources.remove(workspace);
        }
    }

    private Workspace winningWorkspace(String name) {
        TreeSet<String> sources = workspaceSources.get(name);
        if (sources == null) return null;
        String owner = sources.first();
        for (String other : sources.tailSet(owner, false)) {
            conflict("workspace " + name + " is defined by both " + owner + " and " + other + "; using " + owner);
        }
        return workspaces.get(owner).get(name);
    }

    private void conflict(String message) {
        if (reported.add(message)) LOG.warn(message);
    }
}
