package io.microseg.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.facts.Warning;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.InventoryReader;
import io.microseg.inventory.NetworkPolicy;
import io.microseg.inventory.NetworkPolicyDocument;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a policy folder (or a scenario's {@code given.policies}) holds: {@code microseg.io/v1}
 * Workspaces, and {@code networking.k8s.io/v1} NetworkPolicies, read as strictly as in an inventory.
 *
 * <p>A policy folder serves every cluster, while a NetworkPolicy belongs to one: each names its
 * cluster in the annotation {@value #CLUSTER_ANNOTATION}, and one without it is an error (applying it
 * to every cluster would give its rules to same-named namespaces of clusters it was never written
 * for). A policy meant for several clusters is written once per cluster.
 *
 * @param networkPolicies each with where it was read, for errors and warnings about it
 */
public record PolicyInputs(List<Workspace> workspaces, List<Located> networkPolicies) {
    /** The annotation naming the cluster of a NetworkPolicy read from a policy folder. */
    public static final String CLUSTER_ANNOTATION = "microseg.io/cluster";
    private static final String CLUSTER_FIELD = "metadata.annotations[\"" + CLUSTER_ANNOTATION + "\"]";

    public PolicyInputs {
        workspaces = List.copyOf(workspaces);
        networkPolicies = List.copyOf(networkPolicies);
    }

    /** A NetworkPolicy and the document it was read from. */
    public record Located(NetworkPolicy policy, Document document) {
        InputException error(String field, String expected) {
            return document.error(field, expected);
        }
    }

    /** Every Workspace and NetworkPolicy in the YAML and JSON files under {@code folder}. */
    public static PolicyInputs read(Path folder) {
        return read(YamlDocuments.readFolder(folder));
    }

    /**
     * The documents' Workspaces (names unique across all of them) and NetworkPolicies (one per
     * cluster, namespace and name); any other kind is an error.
     */
    public static PolicyInputs read(List<Document> docs) {
        List<Document> workspaceDocs = new ArrayList<>();
        List<Located> policies = new ArrayList<>();
        Map<String, Document> seen = new HashMap<>();
        for (Document doc : docs) {
            if (NetworkPolicyDocument.is(doc)) {
                NetworkPolicy np = NetworkPolicyDocument.read(doc, cluster(doc));
                Document first = seen.putIfAbsent(np.key(), doc);
                if (first != null) {
                    throw doc.error("metadata.name", "expected one NetworkPolicy of this name in cluster " + np.cluster()
                            + ", but " + first.file() + ":" + first.line() + " already defines it");
                }
                policies.add(new Located(np, doc));
            } else if (isWorkspace(doc)) {
                workspaceDocs.add(doc);
            } else {
                boolean knownVersion = doc.apiVersion().equals(PolicyReader.API_VERSION)
                        || doc.apiVersion().equals(NetworkPolicyDocument.API_VERSION);
                throw doc.error(knownVersion ? "kind" : "apiVersion", "expected apiVersion " + PolicyReader.API_VERSION
                        + " and kind " + PolicyReader.KIND + ", or apiVersion " + NetworkPolicyDocument.API_VERSION + " and kind "
                        + NetworkPolicyDocument.KIND + ", found apiVersion " + orNothing(doc.apiVersion()) + " and kind " + orNothing(doc.kind()));
            }
        }
        return new PolicyInputs(PolicyReader.read(workspaceDocs), policies);
    }

    /** Whether {@code doc} is a Workspace (as opposed to a NetworkPolicy). */
    public static boolean isWorkspace(Document doc) {
        return PolicyReader.API_VERSION.equals(doc.apiVersion()) && PolicyReader.KIND.equals(doc.kind());
    }

    /** The NetworkPolicies alone, as the engine takes them. */
    public List<NetworkPolicy> policies() {
        return networkPolicies.stream().map(Located::policy).toList();
    }

    /**
     * The inventory {@code read} beside these policies, with their NetworkPolicies added, as the
     * engine holds them when both folders are sources. A NetworkPolicy the inventory defines too
     * (same cluster, namespace and name) is an error: which one is meant cannot be guessed.
     */
    public InventoryReader.Read addTo(InventoryReader.Read read) {
        if (networkPolicies.isEmpty()) return read;
        Set<String> inInventory = new HashSet<>();
        for (InventoryObject o : read.objects()) if (o instanceof NetworkPolicy np) inInventory.add(np.key());
        List<InventoryObject> objects = new ArrayList<>(read.objects());
        List<NetworkPolicy> all = new ArrayList<>(read.inventory().networkPolicies());
        for (Located l : networkPolicies) {
            NetworkPolicy np = l.policy();
            if (inInventory.contains(np.key())) {
                throw l.error("metadata.name", "expected a NetworkPolicy the inventory does not define too, found "
                        + np.namespace() + "/" + np.name() + " in the inventory of cluster " + np.cluster());
            }
            objects.add(np);
            all.add(np);
        }
        Inventory i = read.inventory();
        // the clusters stay the inventory's: a policy naming another cluster applies to nothing here
        Inventory with = new Inventory(i.clusters(), i.hosts(), i.nodes(), i.pods(), i.services(), i.endpoints(),
                i.namespaces(), i.namedPortMisses(), all, i.clusterNetworkPolicies());
        return new InventoryReader.Read(with, objects);
    }

    /**
     * One warning per NetworkPolicy whose cluster the inventory does not have: it applies to no pod,
     * which is right when the policy folder serves more clusters than this inventory holds, and a typo
     * otherwise.
     */
    public List<Warning> unknownClusters(Inventory inventory) {
        Set<String> known = new HashSet<>(inventory.clusters());
        List<Warning> warnings = new ArrayList<>();
        for (Located l : networkPolicies) {
            NetworkPolicy np = l.policy();
            if (known.contains(np.cluster())) continue;
            Document d = l.document();
            warnings.add(new Warning(np.id(), d.file() + ":" + d.lineOf(CLUSTER_FIELD) + ": NetworkPolicy " + np.namespace() + "/"
                    + np.name() + " names cluster " + np.cluster() + ", which the inventory does not have: it applies to no pod"));
        }
        return warnings;
    }

    private static String cluster(Document doc) {
        JsonNode value = doc.node().path("metadata").path("annotations").path(CLUSTER_ANNOTATION);
        if (value.isMissingNode() || value.isNull()) {
            throw doc.error(CLUSTER_FIELD, "expected the name of the cluster this NetworkPolicy applies to: a policy folder"
                    + " serves every cluster, a NetworkPolicy belongs to one; found no annotation " + CLUSTER_ANNOTATION);
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
