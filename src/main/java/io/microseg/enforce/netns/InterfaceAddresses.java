package io.microseg.enforce.netns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.net.AddressIntervals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses a network namespace's interfaces carry, read from {@code ip -j addr show}: every IPv4 and
 * IPv6 address except loopback (the interface flagged LOOPBACK, scope host), IPv6 link-local (fe80::/10: the
 * same address is on many interfaces and namespaces) and those on {@code kube-ipvs0} (kube-proxy's IPVS mode
 * puts services' addresses there; they are not the namespace's own). In listing order, without duplicates.
 */
public final class InterfaceAddresses {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KUBE_IPVS = "kube-ipvs0";
    private static final AddressIntervals LINK_LOCAL_6 = AddressIntervals.ofCidr("fe80::/10");

    private InterfaceAddresses() {}

    /** The addresses in the output of {@code ip -j addr show}; an IOException when it is not that JSON. */
    public static List<String> parse(String ipJson) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(ipJson);
        } catch (IOException e) {
            throw new IOException("unreadable output of ip -j addr show: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) throw new IOException("expected a JSON array from ip -j addr show, found: " + abbreviate(ipJson));
        List<String> out = new ArrayList<>();
        for (JsonNode link : root) {
            if (KUBE_IPVS.equals(link.path("ifname").asText()) || has(link.path("flags"), "LOOPBACK")) continue;
            for (JsonNode a : link.path("addr_info")) {
                String family = a.path("family").asText();
                String local = a.path("local").asText("");
                if (!family.equals("inet") && !family.equals("inet6")) continue;
                if (local.isEmpty() || a.path("scope").asText().equals("host")) continue;
                if (family.equals("inet6") && LINK_LOCAL_6.contains(local)) continue;
                if (!out.contains(local)) out.add(local);
            }
        }
        return out;
    }

    private static boolean has(JsonNode array, String value) {
        for (JsonNode n : array) if (n.asText().equals(value)) return true;
        return false;
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() > 80 ? t.substring(0, 77) + "..." : t;
    }
}
