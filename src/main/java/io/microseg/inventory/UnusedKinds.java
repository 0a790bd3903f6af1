package io.microseg.inventory;

import io.microseg.input.Document;
import io.microseg.input.Wording;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which documents of an inventory folder are Kubernetes objects that microseg does not use, to be
 * skipped (so that {@code kubectl get all -o yaml} and application manifests can be read as they
 * are), and which are mistakes, to be refused: a document without apiVersion or kind, a kind of
 * microseg's own it does not know, a kind it uses with the wrong apiVersion, and a kind the core API
 * group (apiVersion v1) does not have, which is most likely a typo of one it uses.
 */
final class UnusedKinds {
    /** The kinds microseg reads, with their apiVersion. */
    static final Map<String, String> USED = Map.of("Node", "v1", "Pod", "v1", "Service", "v1", "Namespace", "v1",
            "EndpointSlice", "discovery.k8s.io/v1", "NetworkPolicy", "networking.k8s.io/v1",
            "ClusterNetworkPolicy", "policy.networking.k8s.io/v1alpha2");
    static final String EXPECTED = "expected one of: Node, Pod, Service, EndpointSlice, Namespace"
            + " (v1 / discovery.k8s.io/v1), Cluster, Host (microseg.io/v1), or another Kubernetes kind, which is skipped";
    private static final String OWN_GROUP = "microseg.io";
    /** The other kinds of the core API group: the group is closed, so any other v1 kind is a mistake. */
    private static final Set<String> CORE = Set.of("Binding", "ComponentStatus", "ConfigMap", "Endpoints", "Event",
            "LimitRange", "PersistentVolume", "PersistentVolumeClaim", "PodTemplate", "ReplicationController",
            "ResourceQuota", "Secret", "ServiceAccount");

    private UnusedKinds() {}

    /**
     * How a skipped document is counted in its file's warning, e.g. {@code Deployment (apps/v1)};
     * throws for a document that is a mistake. Only for documents of kinds the reader does not read.
     */
    static String skipped(Document doc) {
        String apiVersion = doc.apiVersion();
        String kind = doc.kind();
        if (apiVersion.isEmpty() || kind.isEmpty()) throw refused(doc, "");
        String group = group(apiVersion);
        if (group.equals(OWN_GROUP)) {
            if (kind.equals("Workspace")) {
                throw doc.error("kind", "expected inventory documents here, found a Workspace: Workspaces belong in the policies folder");
            }
            throw refused(doc, "");
        }
        String usedVersion = USED.get(kind);
        if (usedVersion != null && group(usedVersion).equals(group)) {
            throw doc.error("apiVersion", "expected apiVersion " + usedVersion + " for kind " + kind + ", found " + apiVersion);
        }
        if (group.isEmpty() && !CORE.contains(kind)) {
            List<String> known = new ArrayList<>(USED.keySet());
            known.addAll(CORE);
            String hint = Wording.closest(kind, known);
            throw refused(doc, hint == null ? " (the core API group, apiVersion v1, has no such kind)" : " (did you mean " + hint + "?)");
        }
        return kind + " (" + apiVersion + ")";
    }

    private static String group(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    private static RuntimeException refused(Document doc, String hint) {
        return doc.error(doc.kind().isEmpty() ? "kind" : "apiVersion/kind", EXPECTED + "; found "
                + (doc.apiVersion().isEmpty() ? "no apiVersion" : "apiVersion " + doc.apiVersion()) + ", "
                + (doc.kind().isEmpty() ? "no kind" : "kind " + doc.kind()) + hint);
    }
}
