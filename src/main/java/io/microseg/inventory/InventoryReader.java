package io.microseg.inventory;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.HostNodeMerge.Sourced;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Reads an inventory from YAML and JSON: Kubernetes objects as {@code kubectl get -o yaml} (or
 * {@code -o json}) prints them or as written by hand, plus microseg's own Cluster and Host documents.
 * Kubernetes kinds microseg does not use are skipped, with one warning per file naming them (see
 * {@link UnusedKinds}). Files are read one object at a time, keeping only what objects translate to.
 * Bad input is an {@link InputException} naming file, line, object, field and expectation.
 */
public final class InventoryReader {
    private InventoryReader() {}

    /** Reads every *.yaml, *.yml and *.json file under {@code folder}. */
    public static Inventory read(Path folder) {
        return read(folder, warning -> {});
    }

    /** Reads {@code folder}, passing on one warning per file with kinds that were skipped. */
    public static Inventory read(Path folder, Consumer<String> warnings) {
        return readFolder(folder, warnings).finish();
    }

    public static Inventory read(List<Document> documents) {
        return reading(documents).finish();
    }

    /**
     * An inventory as read, and the objects it was assembled from: the objects are what a compile
     * takes (the engine assembles them itself), the inventory what analyses such as trace read.
     */
    public record Read(Inventory inventory, List<InventoryObject> objects) {}

    /** Reads {@code folder} as {@link #read(Path, Consumer)} does, keeping the objects too. */
    public static Read readBoth(Path folder, Consumer<String> warnings) {
        return readFolder(folder, warnings).both();
    }

    /** Reads documents as {@link #read(List)} does, keeping the objects too. */
    public static Read readBoth(List<Document> documents) {
        return reading(documents).both();
    }

    private static Reading reading(List<Document> documents) {
        Reading reading = new Reading(ClusterFolders.of(documents));
        documents.forEach(reading::add);
        return reading;
    }

    /** The folder's objects unassembled, validated as {@link #read(Path)} validates them. */
    public static List<InventoryObject> readObjects(Path folder) {
        return readObjects(folder, warning -> {});
    }

    public static List<InventoryObject> readObjects(Path folder, Consumer<String> warnings) {
        return readFolder(folder, warnings).objects();
    }

    private static Reading readFolder(Path folder, Consumer<String> warnings) {
        List<Path> files = YamlDocuments.files(folder);
        Reading reading;
        try {
            reading = readFiles(files, new ClusterFolders());
        } catch (ClusterFolders.LateCluster e) {
            List<Document> clusters = new ArrayList<>();
            for (Path f : files) {
                YamlDocuments.read(f, doc -> {
                    if (ClusterFolders.isCluster(doc)) clusters.add(doc);
                });
            }
            reading = readFiles(files, ClusterFolders.of(clusters));
        }
        reading.warnings().forEach(warnings);
        return reading;
    }

    private static Reading readFiles(List<Path> files, ClusterFolders clusters) {
        Reading reading = new Reading(clusters);
        for (Path f : files) YamlDocuments.read(f, reading::add);
        return reading;
    }

    /** One pass over the documents; keeps what was read and where, for duplicate and merge errors. */
    private static final class Reading {
        private final ClusterFolders clusters;
        private final Map<String, KubeTranslator> translators = new HashMap<>();
        private final Map<String, Seen> seen = new HashMap<>();
        private final Set<String> clusterNames = new TreeSet<>();
        private final List<Node> nodes = new ArrayList<>();
        private final List<Pod> pods = new ArrayList<>();
        private final List<Service> services = new ArrayList<>();
        private final List<Namespace> namespaces = new ArrayList<>();
        private final List<SliceEndpoints> slices = new ArrayList<>();
        private final List<NetworkPolicy> networkPolicies = new ArrayList<>();
        private final List<ClusterNetworkPolicy> clusterNetworkPolicies = new ArrayList<>();
        private final List<Sourced<Host>> hosts = new ArrayList<>();
        /** Per file, in reading order: how many documents of each kind were skipped. */
        private final Map<String, Map<String, Integer>> skipped = new LinkedHashMap<>();

        Reading(ClusterFolders clusters) {
            this.clusters = clusters;
        }

        private void add(Document doc) {
            switch (doc.apiVersion() + " " + doc.kind()) {
                case "v1 Node" -> {
                    Node n = kube(doc, io.fabric8.kubernetes.api.model.Node.class, KubeTranslator::node);
                    identity(doc, n.cluster(), "", n.name());
                    nodes.add(n);
                }
                case "v1 Pod" -> {
                    Pod p = kube(doc, io.fabric8.kubernetes.api.model.Pod.class, KubeTranslator::pod);
                    identity(doc, p.cluster(), p.namespace(), p.name());
                    pods.add(p);
                }
                case "v1 Service" -> {
                    Service s = kube(doc, io.fabric8.kubernetes.api.model.Service.class, KubeTranslator::service);
                    identity(doc, s.cluster(), s.namespace(), s.name());
                    services.add(s);
                }
                case "v1 Namespace" -> {
                    Namespace n = kube(doc, io.fabric8.kubernetes.api.model.Namespace.class, KubeTranslator::namespace);
                    identity(doc, n.cluster(), "", n.name());
                    namespaces.add(n);
                }
                case "discovery.k8s.io/v1 EndpointSlice" -> {
                    SliceEndpoints s = kube(doc, EndpointSlice.class, KubeTranslator::endpointSlice);
                    identity(doc, s.cluster(), s.namespace(), s.name());
                    slices.add(s);
                }
                case "networking.k8s.io/v1 NetworkPolicy" -> {
                    NetworkPolicy np = networkPolicy(doc);
                    identity(doc, np.cluster(), np.namespace(), np.name());
                    networkPolicies.add(np);
                }
                case "policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy", "policy.networking.k8s.io/v1beta1 ClusterNetworkPolicy" -> {
                    String cluster = clusters.clusterOf(doc);
                    clusterNames.add(cluster);
                    ClusterNetworkPolicy cnp = io.microseg.netpol.CnpReader.read(cluster, doc);
                    identity(doc, cluster, "", cnp.name());
                    clusterNetworkPolicies.add(cnp);
                }
                case "microseg.io/v1 Cluster" -> clusters.add(doc);
                case "microseg.io/v1 Host" -> {
                    Host host = HostDocuments.read(doc);
                    identity(doc, "", "", host.name()); // hosts live outside every cluster
                    hosts.add(new Sourced<>(host, doc));
                }
                default -> skipped.computeIfAbsent(doc.file(), f -> new TreeMap<>())
                        .merge(UnusedKinds.skipped(doc), 1, Integer::sum);
            }
        }

        private <F, T> T kube(Document doc, Class<F> type, Translation<F, T> translation) {
            String cluster = clusters.clusterOf(doc);
            clusterNames.add(cluster);
            KubeTranslator translator = translators.computeIfAbsent(cluster, KubeTranslator::new);
            try {
                return translation.apply(translator, FabricObjects.convert(doc, type));
            } catch (KubeTranslator.Rejected e) {
                throw new InputException(doc.file(), doc.lineOf(e.field()), e.object(), e.field(), e.expected());
            }
        }

        private NetworkPolicy networkPolicy(Document doc) {
            String cluster = clusters.clusterOf(doc);
            clusterNames.add(cluster);
            return NetworkPolicyDocument.read(doc, cluster);
        }

    /** Identity is cluster + kind + namespace + name: a second object of one identity is an error. */
        private void identity(Document doc, String cluster, String namespace, String name) {
            String key = cluster + "\u0000" + doc.kind() + "\u0000" + namespace + "\u0000" + name;
            Seen earlier = seen.putIfAbsent(key, new Seen(doc.file(), doc.line()));
            if (earlier != null) {
                String where = cluster.isEmpty() ? "" : " in cluster " + cluster;
                throw doc.error("metadata.name", "expected one " + doc.kind() + " of this name" + where + ", but "
                        + earlier.file() + ":" + earlier.line() + " already defines it");
            }
        }

        Inventory finish() {
            Set<String> all = new TreeSet<>(clusterNames);
            all.addAll(clusters.declared());
            return InventoryAssembly.assemble(List.copyOf(all), hosts, nodes, pods, services, namespaces, slices, networkPolicies,
                    clusterNetworkPolicies);
        }

        /** One per file with skipped documents: how many of which kinds. */
        List<String> warnings() {
            List<String> warnings = new ArrayList<>();
            skipped.forEach((file, kinds) -> {
                int total = kinds.values().stream().mapToInt(Integer::intValue).sum();
                StringJoiner counts = new StringJoiner(", ");
                kinds.forEach((kind, n) -> counts.add(n + " " + kind));
                warnings.add(file + ": skipped " + total + (total == 1 ? " object" : " objects")
                        + " of kinds microseg does not use: " + counts);
            });
            return warnings;
        }

        /** The objects as read, for live sources that assemble them with other sources' objects. */
        List<InventoryObject> objects() {
            finish(); // surfaces conflicts between documents (a host matching two nodes) as input errors
            return collected();
        }

        /** The inventory and the objects it was assembled from (assembled once). */
        Read both() {
            return new Read(finish(), collected());
        }

        private List<InventoryObject> collected() {
            List<InventoryObject> all = new ArrayList<>();
            hosts.forEach(h -> all.add(h.value()));
            all.addAll(nodes);
            all.addAll(pods);
            all.addAll(services);
            all.addAll(namespaces);
            all.addAll(slices);
            all.addAll(networkPolicies);
            all.addAll(clusterNetworkPolicies);
            return all;
        }
    }

    /** Where an object was first read, for the error about a second one of its identity. */
    private record Seen(String file, int line) {}

    @FunctionalInterface
    private interface Translation<F, T> {
        T apply(KubeTranslator translator, F object);
    }
}
