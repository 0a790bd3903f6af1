package io.microseg.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.input.Document;
import io.microseg.net.Addresses;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a {@code microseg.io/v1 Host}: a machine outside Kubernetes, with its own labels (used as
 * written, no prefix) and its IPs.
 */
final class HostDocuments {
    private HostDocuments() {}

    static Host read(Document doc) {
        String name = doc.name();
        if (name.isBlank() || name.contains("/")) {
            throw doc.error("metadata.name", "expected the host's name (non-blank, without '/'), found '" + name + "'");
        }
        return new Host(name, new Labels(labels(doc)), ips(doc));
    }

    private static Map<String, String> labels(Document doc) {
        JsonNode labels = doc.node().path("metadata").path("labels");
        Map<String, String> result = new LinkedHashMap<>();
        if (labels.isMissingNode() || labels.isNull()) return result;
        if (!labels.isObject()) throw doc.error("metadata.labels", "expected a mapping of label names to values");
        for (Map.Entry<String, JsonNode> label : labels.properties()) {
            String field = "metadata.labels[\"" + label.getKey() + "\"]";
            if (label.getKey().isBlank()) throw doc.error(field, "expected a non-blank label name");
            // orchestrator_ labels are what Kubernetes objects carry; a host claiming them would be
            // selected by policies written for cluster workloads.
            if (label.getKey().toLowerCase(Locale.ROOT).startsWith(LabelKeys.ORCHESTRATOR_PREFIX)) {
                throw doc.error(field, "expected a label name without the prefix " + LabelKeys.ORCHESTRATOR_PREFIX
                        + ", which is reserved for labels imported from Kubernetes");
            }
            JsonNode value = label.getValue();
            if (!value.isValueNode()) throw doc.error(field, "expected a scalar label value, found a " + (value.isArray() ? "list" : "mapping"));
            String problem = LabelLimits.problem(label.getKey(), value.isNull() ? "" : value.asText());
            if (problem != null) throw doc.error(field, problem);
            result.put(label.getKey(), value.isNull() ? "" : value.asText());
        }
        return result;
    }

    private static List<String> ips(Document doc) {
        JsonNode ips = doc.node().path("spec").path("ips");
        if (ips.isMissingNode() || ips.isNull()) return List.of();
        if (!ips.isArray()) throw doc.error("spec.ips", "expected a list of IPv4 or IPv6 addresses");
        List<String> result = new ArrayList<>();
        for (int i = 0; i < ips.size(); i++) {
            JsonNode ip = ips.get(i);
            if (!ip.isTextual() || !Addresses.isAddress(ip.asText())) {
                throw doc.error("spec.ips[" + i + "]", "expected an IPv4 or IPv6 address, found '" + ip.asText() + "'");
            }
            result.add(ip.asText().trim());
        }
        return List.copyOf(new LinkedHashSet<>(result));
    }
}
