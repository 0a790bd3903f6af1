package io.microseg.inventory;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.HostNodeMerge.Sourced;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads an inventory from YAML: Kubernetes objects as {@code kubectl get -o yaml} prints them (or as
 * written by hand), plus microseg's own Cluster and Host documents. Bad input is an
 * {@link InputException} naming file, line, object, field and expectation.
 */
public final class InventoryReader {
    private static final String EXPECTED_KINDS = "expected one of: Node, Pod, Service, EndpointSlice, Namespace"
            + " (v1 / discovery.k8s.io/v1), Cluster, Host (microseg.io/v1)";

    private InventoryReader() {}

    /** Reads every *.yaml and *.yml file under {@code folder}. */
    public static Inventory read(Path folder) {
        return read(YamlDocuments.readFolder(folder));
    }

    public static Inventory read(List<Document> documents) {
        return new Reading(documents).finish();
    }

    /** The folder's objects unassembled, validated as {@link #read(Path)} validates them. */
    public static List<InventoryObject> readObjects(Path folder) {
        return new Reading(YamlDocuments.readFolder(folder)).objects();
    }

    /** One pass over the documents; keeps what was read and where, for duplicate and merge errors. */
    private static final class Reading {
        private final ClusterFolders clusters;
        private final Map<String, KubeTranslator> translators = new HashMap<>();
        private final Map<String, Document> seen = new HashMap<>();
        private final Set<String> clusterNames = new TreeSet<>();
        private final List<Node> nodes = new ArrayList<>();
        private final List<Pod> pods = new ArrayList<>();
        private final List<Service> services = new ArrayList<>();
        private final List<Namespace> namespaces = new ArrayList<>();
        private final List<SliceEndpoints> slices = new ArrayList<>();
        private final List<Sourced<Host>> hosts = new ArrayList<>();

        Reading(List<Document> documents) {
            clusters = ClusterFolders.of(documents);
            clusterNames.addAll(clusters.declared());
            documents.forEach(this::add);
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
                case "microseg.io/v1 Cluster" -> { } // read up front by ClusterFolders
                case "microseg.io/v1 Host" -> {
                    Host host = HostDocuments.read(doc);
                    identity(doc, "", "", host.name()); // hosts live outside every cluster
                    hosts.add(new Sourced<>(host, doc));
                }
                default -> throw doc.error(doc.kind().isEmpty() ? "kind" : "apiVersion/kind", EXPECTED_KINDS + "; found "
                        + (doc.apiVersion().isEmpty() ? "no apiVersion" : "apiVersion " + doc.apiVersion()) + ", "
                        + (doc.kind().isEmpty() ? "no kind" : "kind " + doc.kind()));
            }
        }

        private <F, T> T kube(Document doc, Class<F> type, Translation<F, T> translation) {
            String cluster = clusters.clusterOf(doc);
            clusterNames.add(cluster);
            KubeTranslator translator = translators.computeIfAbsent(cluster, KubeTranslator::new);
            try {
                return translation.apply(translator, FabricObjects.convert(doc, type));
            } catch (KubeTranslator.Rejected e) {
                // The translator's name for the object includes the namespace it defaulted.
                throw new InputException(doc.file(), doc.line(), e.object(), e.field(), e.expected());
            }
        }

        /** Identity is cluster + kind + namespace + name: a second object of one identity is an error. */
        private void identity(Document doc, String cluster, String namespace, String name) {
            String key = cluster + "\u0000" + doc.kind() + "\u0000" + namespace + "\u0000" + name;
            Document earlier = seen.putIfAbsent(key, doc);
            if (earlier != null) {
                String where = cluster.isEmpty() ? "" : " in cluster " + cluster;
                throw doc.error("metadata.name", "expected one " + doc.kind() + " of this name" + where + ", but "
                        + earlier.file() + ":" + earlier.line() + " already defines it");
            }
        }

        Inventory finish() {
            return InventoryAssembly.assemble(List.copyOf(clusterNames), hosts, nodes, pods, services, namespaces, slices);
        }

        /** The objects as read, for live sources that assemble them with other sources' objects. */
        List<InventoryObject> objects() {
            finish(); // surfaces conflicts between documents (a host matching two nodes) as input errors
            List<InventoryObject> all = new ArrayList<>();
            hosts.forEach(h -> all.add(h.value()));
            all.addAll(nodes);
            all.addAll(pods);
            all.addAll(services);
            all.addAll(namespaces);
            all.addAll(slices);
            return all;
        }
    }

    @FunctionalInterface
    private interface Translation<F, T> {
        T apply(KubeTranslator translator, F object);
    }
}
