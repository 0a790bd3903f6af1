package io.microseg.inventory;

import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.netpol.NetworkPolicyTranslator;

/**
 * Reads one {@code networking.k8s.io/v1 NetworkPolicy} document, wherever it was found (an inventory
 * folder, a policy folder, a scenario), strictly: a field microseg cannot enforce is an
 * {@link InputException} naming file, line, object and field, never ignored.
 */
public final class NetworkPolicyDocument {
    public static final String API_VERSION = "networking.k8s.io/v1";
    public static final String KIND = "NetworkPolicy";

    private NetworkPolicyDocument() {}

    /** Whether {@code doc} is a NetworkPolicy of the version microseg reads. */
    public static boolean is(Document doc) {
        return API_VERSION.equals(doc.apiVersion()) && KIND.equals(doc.kind());
    }

    /** The policy of {@code doc}, in {@code cluster}. */
    public static NetworkPolicy read(Document doc, String cluster) {
        var object = FabricObjects.convert(doc, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class);
        try {
            return NetworkPolicyTranslator.translate(cluster, object);
        } catch (NetworkPolicyTranslator.Rejected e) {
            throw doc.error(e.field(), e.expected());
        }
    }
}
