package io.microseg.inventory;

import io.microseg.input.Document;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which cluster a document belongs to. A {@code microseg.io/v1 Cluster} document names the cluster of
 * every object in its folder and below, so one dump per cluster can sit side by side; the nearest
 * Cluster up the folder tree wins, and objects under none belong to {@value #DEFAULT}.
 */
final class ClusterFolders {
    static final String DEFAULT = "default";
    private static final Path TOP = Path.of("");

    private final Map<Path, Document> clusterOfFolder;

    private ClusterFolders(Map<Path, Document> clusterOfFolder) {
        this.clusterOfFolder = clusterOfFolder;
    }

    static boolean isCluster(Document doc) {
        return doc.apiVersion().equals("microseg.io/v1") && doc.kind().equals("Cluster");
    }

    static ClusterFolders of(List<Document> docs) {
        Map<Path, Document> byFolder = new HashMap<>();
        for (Document doc : docs) {
            if (!isCluster(doc)) continue;
            String name = doc.name();
            if (name.isBlank() || name.contains("/")) {
                throw doc.error("metadata.name", "expected the cluster's name (non-blank, without '/'), found '" + name + "'");
            }
            Document earlier = byFolder.putIfAbsent(folderOf(doc), doc);
            if (earlier != null && !earlier.name().equals(name)) {
                throw doc.error("metadata.name", "expected one cluster per folder, but " + earlier.file() + ":" + earlier.line()
                        + " already names this folder's cluster '" + earlier.name() + "'");
            }
        }
        return new ClusterFolders(byFolder);
    }

    /** The cluster of a document's objects. */
    String clusterOf(Document doc) {
        for (Path folder = folderOf(doc); folder != null; folder = folder.getParent()) {
            Document cluster = clusterOfFolder.get(folder);
            if (cluster != null) return cluster.name();
        }
        // Relative paths end their walk before the top folder, which is where "x.yaml" lives.
        Document top = clusterOfFolder.get(TOP);
        return top == null ? DEFAULT : top.name();
    }

    /** Every cluster a Cluster document names, whether or not objects follow. */
    Set<String> declared() {
        Set<String> names = new TreeSet<>();
        clusterOfFolder.values().forEach(d -> names.add(d.name()));
        return names;
    }

    private static Path folderOf(Document doc) {
        if (doc.file() == null) return TOP;
        try {
            Path parent = Path.of(doc.file()).normalize().getParent();
            return parent == null ? TOP : parent;
        } catch (InvalidPathException e) {
            return TOP; // a label such as "<stdin>" rather than a path: treat as top level
        }
    }
}
