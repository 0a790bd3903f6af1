package io.microseg.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.facts.Warning;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.ClusterNetworkPolicy;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.InventoryReader;
import io.microseg.inventory.KubernetesPolicy;
import io.microseg.inventory.NetworkPolicy;
import io.microseg.inventory.NetworkPolicyDocument;
import io.microseg.netpol.CnpReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a policy folder (or a scenario's {@code given.policies}) holds: {@code microseg.io/v1}
 * Workspaces, {@code networking.k8s.io/v1} NetworkPolicies and {@code policy.networking.k8s.io}
 * ClusterNetworkPolicies, the last two read as strictly as in an inventory.
 *
 * <p>A policy folder serves every cluster, while a NetworkPolicy or a ClusterNetworkPolicy belongs to
 * one: each names its cluster in the annotation {@value #CLUSTER_ANNOTATION}, and one without it is an
 * error (applying it to every cluster would give its rules to same-named namespaces of clusters it was
 * never written for). A policy meant for several clusters is written once per cluster.
 *
 * @param networkPolicies        each with where it was read, for errors and warnings about it
 * @param clusterNetworkPolicies each with where it was read
 */
public record PolicyInputs(List<Workspace> workspaces, List<Located<NetworkPolicy>> networkPolicies,
                           List<Located<ClusterNetworkPolicy>> clusterNetworkPolicies) {
    /** The annotation naming the cluster of a NetworkPolicy or ClusterNetworkPolicy read from a policy folder. */
    public static final String CLUSTER_ANNOTATION = "microseg.io/cluster";
    private static final String CLUSTER_FIELD = "metadata.annotations[\"" + CLUSTER_ANNOTATION + "\"]";

    public PolicyInputs {
        workspaces = List.copyOf(workspaces);
        networkPolicies = List.copyOf(networkPolicies);
        clusterNetworkPolicies = List.copyOf(clusterNetworkPolicies);
    }

    /** A NetworkPolicy or ClusterNetworkPolicy and the document it was read from. */
    public record Located<T extends KubernetesPolicy>(T policy, Document document) {
        InputException error(String field, String expected) {
            return document.error(field, expected);
        }

        /** What names it in messages: "NetworkPolicy x/np", "ClusterNetworkPolicy deny-all". */
        public String describe() {
            return document.describe();
        }
    }

    /** Every Workspace, NetworkPolicy and ClusterNetworkPolicy in the YAML and JSON files under {@code folder}. */
    public static PolicyInputs read(Path folder) {
        return read(YamlDocuments.readFolder(folder));
    }

    /**
     * The documents' Workspaces (names unique across all of them), NetworkPolicies (one per cluster,
     * namespace and name) and ClusterNetworkPolicies (one per cluster and name); any other kind is an error.
     */
    public static PolicyInputs read(List<Document> docs) {
        List<Document> workspaceDocs = new ArrayList<>();
        List<Located<NetworkPolicy>> policies = new ArrayList<>();
        List<Located<ClusterNetworkPolicy>> clusterPolicies = new ArrayList<>();
        Map<String, Document> seen = new HashMap<>();
        for (Document doc : docs) {
            if (NetworkPolicyDocument.is(doc)) {
                NetworkPolicy np = NetworkPolicyDocument.read(doc, cluster(doc));
                once(seen, np.key(), doc, np.cluster());
                policies.add(new Located<>(np, doc));
            } else if (isClusterNetworkPolicy(doc)) {
                ClusterNetworkPolicy cnp = CnpReader.read(cluster(doc), doc);
                once(seen, cnp.key(), doc, cnp.cluster());
                clusterPolicies.add(new Located<>(cnp, doc));
            } else if (isWorkspace(doc)) {
                workspaceDocs.add(doc);
            } else {
                boolean knownVersion = doc.apiVersion().equals(PolicyReader.API_VERSION)
                        || doc.apiVersion().equals(NetworkPolicyDocument.API_VERSION) || CnpReader.API_VERSIONS.contains(doc.apiVersion());
                throw doc.error(knownVersion ? "kind" : "apiVersion", "expected apiVersion " + PolicyReader.API_VERSION
                        + " and kind " + PolicyReader.KIND + ", apiVersion " + NetworkPolicyDocument.API_VERSION + " and kind "
                        + NetworkPolicyDocument.KIND + ", or apiVersion " + String.join(" or ", new java.util.TreeSet<>(CnpReader.API_VERSIONS))
                        + " and kind " + CnpReader.KIND + ", found apiVersion " + orNothing(doc.apiVersion()) + " and kind " + orNothing(doc.kind()));
            }
        }
        return new PolicyInputs(PolicyReader.read(workspaceDocs), policies, clusterPolicies);
    }

    /** Refuses a second definition of one policy (its inventory key) in one cluster, naming the first. */
    private static void once(Map<String, Document> seen, String key, Document doc, String cluster) {
        Document first = seen.putIfAbsent(key, doc);
        if (first != null) {
            throw doc.error("metadata.name", "expected one " + doc.kind() + " of this name in cluster " + cluster
                    + ", but " + first.file() + ":" + first.line() + " already defines it");
        }
    }

    /** Whether {@code doc} is a ClusterNetworkPolicy of an API version microseg reads. */
    private static boolean isClusterNetworkPolicy(Document doc) {
        return CnpReader.API_VERSIONS.contains(doc.apiVersion()) && CnpReader.KIND.equals(doc.kind());
    }

    /** Whether {@code doc} is a Workspace (as opposed to a NetworkPolicy). */
    public static boolean isWorkspace(Document doc) {
        return PolicyReader.API_VERSION.equals(doc.apiVersion()) && PolicyReader.KIND.equals(doc.kind());
    }

    /** The NetworkPolicies alone. */
    public List<NetworkPolicy> policies() {
        return networkPolicies.stream().map(Located::policy).toList();
    }

    /** The NetworkPolicies and ClusterNetworkPolicies, as the engine takes them (inventory objects of their clusters). */
    public List<KubernetesPolicy> objects() {
        List<KubernetesPolicy> all = new ArrayList<>(policies());
        clusterNetworkPolicies.forEach(l -> all.add(l.policy()));
        return all;
    }

    /** Every NetworkPolicy and ClusterNetworkPolicy with where it was read. */
    public List<Located<?>> located() {
        List<Located<?>> all = new ArrayList<>(networkPolicies);
        all.addAll(clusterNetworkPolicies);
        return all;
    }

    /**
     * The inventory {@code read} beside these policies, with their NetworkPolicies and
     * ClusterNetworkPolicies added, as the engine holds them when both folders are sources. A policy the
     * inventory defines too (same kind, cluster, namespace and name) is an error: which one is meant
     * cannot be guessed.
     */
    public InventoryReader.Read addTo(InventoryReader.Read read) {
        if (networkPolicies.isEmpty() && clusterNetworkPolicies.isEmpty()) return read;
        Set<String> inInventory = new HashSet<>();
        for (InventoryObject o : read.objects()) inInventory.add(o.key());
        List<InventoryObject> objects = new ArrayList<>(read.objects());
        List<NetworkPolicy> all = new ArrayList<>(read.inventory().networkPolicies());
        List<ClusterNetworkPolicy> allCluster = new ArrayList<>(read.inventory().clusterNetworkPolicies());
        for (Located<?> l : located()) {
            if (inInventory.contains(l.policy().key())) {
                throw l.error("metadata.name", "expected a " + l.document().kind() + " the inventory does not define too, found "
                        + l.policy().title().substring(l.document().kind().length() + 1) + " in the inventory of cluster " + l.policy().cluster());
            }
            objects.add(l.policy());
            if (l.policy() instanceof NetworkPolicy np) all.add(np);
            else allCluster.add((ClusterNetworkPolicy) l.policy());
        }
        allCluster.sort(java.util.Comparator.comparing(ClusterNetworkPolicy::key));
        Inventory i = read.inventory();
        // the clusters stay the inventory's: a policy naming another cluster applies to nothing here
        Inventory with = new Inventory(i.clusters(), i.hosts(), i.nodes(), i.pods(), i.services(), i.endpoints(),
                i.namespaces(), i.namedPortMisses(), all, allCluster);
        return new InventoryReader.Read(with, objects);
    }

    /**
     * One warning per NetworkPolicy or ClusterNetworkPolicy whose cluster the inventory does not have:
     * it applies to no pod, which is right when the policy folder serves more clusters than this
     * inventory holds, and a typo otherwise.
     */
    public List<Warning> unknownClusters(Inventory inventory) {
        Set<String> known = new HashSet<>(inventory.clusters());
        List<Warning> warnings = new ArrayList<>();
        for (Located<?> l : located()) {
            if (known.contains(l.policy().cluster())) continue;
            Document d = l.document();
            warnings.add(new Warning(l.policy().id(), d.file() + ":" + d.lineOf(CLUSTER_FIELD) + ": " + l.describe()
                    + " names cluster " + l.policy().cluster() + ", which the inventory does not have: it applies to no pod"));
        }
        return warnings;
    }

    private static String cluster(Document doc) {
        JsonNode value = doc.node().path("metadata").path("annotations").path(CLUSTER_ANNOTATION);
        if (value.isMissingNode() || value.isNull()) {
            String kind = doc.kind();
            throw doc.error(CLUSTER_FIELD, "expected the name of the cluster this " + kind + " applies to: a policy folder"
                    + " serves every cluster, a " + kind + " belongs to one; found no annotation " + CLUSTER_ANNOTATION);
        }
        String name = value.isTextual() ? value.asText() : null;
        if (name == null || name.isBlank() || name.contains("/")) {
            throw doc.error(CLUSTER_FIELD, "expected a cluster name (non-blank, without '/'), found "
                    + (name == null ? value.toString() : "'" + name + "'"));
        }
        return name;
    }

    private static String orNothing(String s) {
        return s.isEmpty() ? "none" : s;
    }
}
