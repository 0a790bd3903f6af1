package io.microseg.enforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Map;
import java.util.TreeMap;

/**
 * The shape of {@code table inet microseg} as {@code nft -t -j list table} prints it (sets and chains by name,
 * rules counted per chain, set elements left out), compared with the {@link NftTable} last applied: the
 * agent's cheap check that nobody else changed its table.
 */
final class NftShape {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NftShape() {}

    /** Null when the listing has the table's shape, else what differs. */
    static String differs(NftTable expected, String listing) {
        Map<String, Integer> want = new TreeMap<>();
        expected.sets().forEach(s -> want.put("set " + s.name(), 0));
        expected.chains().forEach(c -> want.put("chain " + c.name(), c.rules().size()));
        Map<String, Integer> found = new TreeMap<>();
        try {
            for (JsonNode item : JSON.readTree(listing).path("nftables")) {
                if (item.has("set")) found.put("set " + item.get("set").path("name").asText(), 0);
                if (item.has("chain")) found.putIfAbsent("chain " + item.get("chain").path("name").asText(), 0);
                if (item.has("rule")) found.merge("chain " + item.get("rule").path("chain").asText(), 1, Integer::sum);
            }
        } catch (java.io.IOException e) {
            return "the listing could not be read: " + e.getMessage();
        }
        if (found.equals(want)) return null;
        for (var e : want.entrySet()) {
            Integer f = found.get(e.getKey());
            if (f == null) return e.getKey() + " is missing";
            if (!f.equals(e.getValue())) return e.getKey() + " has " + f + " rules, " + e.getValue() + " applied";
        }
        for (String k : found.keySet()) if (!want.containsKey(k)) return k + " was added";
        return "the table differs";
    }
}
