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
 *
 * <p>Cluster documents are learnt as they are read, so that a folder is read in one pass. An object
 * is given the cluster known when it is read; a Cluster document read later that would have given
 * it another one throws {@link LateCluster}, and the reader reads again, Cluster documents first.
 */
final class ClusterFolders {
    static final String DEFAULT = "default";
    private static final Path TOP = Path.of("");

    /** A Cluster document came after objects it names the cluster of, which were given another. */
    static final class LateCluster extends RuntimeException {
        LateCluster() {
            super("a Cluster document after objects of its folder", null, false, false);
        }
    }

    private final Map<Path, Document> clusterOfFolder = new HashMap<>();
    /** The cluster objects of each folder were given so far. */
    private final Map<Path, String> given = new HashMap<>();

    static boolean isCluster(Document doc) {
        return doc.apiVersion().equals("microseg.io/v1") && doc.kind().equals("Cluster");
    }

    /** What the Cluster documents among {@code docs} say. */
    static ClusterFolders of(List<Document> docs) {
        ClusterFolders folders = new ClusterFolders();
        for (Document doc : docs) {
            if (isCluster(doc)) folders.add(doc);
        }
        return folders;
    }

    /** Learns a Cluster document (again, harmlessly, when it is known). */
    void add(Document doc) {
        String name = doc.name();
        if (name.isBlank() || name.contains("/")) {
            throw doc.error("metadata.name", "expected the cluster's name (non-blank, without '/'), found '" + name + "'");
        }
        Document earlier = clusterOfFolder.putIfAbsent(folderOf(doc), doc);
        if (earlier != null && !earlier.name().equals(name)) {
            throw doc.error("metadata.name", "expected one cluster per folder, but " + earlier.file() + ":" + earlier.line()
                    + " already names this folder's cluster '" + earlier.name() + "'");
        }
        given.forEach((folder, cluster) -> {
            if (!clusterOf(folder).equals(cluster)) throw new LateCluster();
        });
    }

    /** The cluster of a document's objects. */
    String clusterOf(Document doc) {
        Path folder = folderOf(doc);
        String cluster = clusterOf(folder);
        given.put(folder, cluster);
        return cluster;
    }

    private String clusterOf(Path folder) {
        for (Path f = folder; f != null; f = f.getParent()) {
            Document cluster = clusterOfFolder.get(f);
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
