package io.microseg.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A policy expert's test: given inventory and policies, the rules, sets and warnings expected.
 * The file format is documented in docs/policy-experts.md ("Scenario files"). {@code inventory}/{@code policies} are
 * either documents inline or a folder path relative to the scenario file. {@code rules} is null when
 * the scenario leaves them out, which only one that asserts a truth table ({@code matrix}) may do.
 */
record Scenario(String name, Path file, Given inventory, Given policies, List<ExpectedRule> rules,
                List<ExpectedRule> catchAll, Map<String, List<String>> sets, List<ExpectedWarning> warnings,
                List<ExpectedMatrix> matrix) {

    /** Inline documents, or a folder to read. */
    record Given(List<Document> documents, Path folder) {}

    record ExpectedWarning(String policy, String contains) {
        @Override
        public String toString() {
            return policy + (contains == null ? "" : ": ..." + contains + "...");
        }
    }

    static Scenario read(Path file) {
        List<Scenario> all = readAll(file);
        if (all.size() != 1) throw new InputException(file.toString(), 0, null, null, "expected exactly one scenario document");
        return all.get(0);
    }

    /**
     * Every scenario of a file: one per YAML document, so that one file can hold the successive states of
     * one test (an upstream test that edits its policy between steps), each a complete scenario.
     */
    static List<Scenario> readAll(Path file) {
        List<Document> docs = YamlDocuments.readFile(file);
        if (docs.isEmpty()) throw new InputException(file.toString(), 0, null, null, "expected at least one scenario document");
        List<Scenario> out = new ArrayList<>();
        for (Document doc : docs) out.add(read(file, doc));
        return out;
    }

    private static Scenario read(Path file, Document doc) {
        JsonNode root = doc.node();
        allow(doc, root, "", "name", "description", "given", "expect");
        String name = root.path("name").asText(file.getFileName().toString());
        JsonNode given = root.path("given");
        allow(doc, given, "given.", "inventory", "policies");
        JsonNode expect = root.path("expect");
        allow(doc, expect, "expect.", "rules", "catchAll", "sets", "warnings", "matrix");
        List<ExpectedMatrix> matrix = ExpectedMatrix.read(doc, expect.path("matrix"), "expect.matrix");
        if (!expect.has("rules") && matrix.isEmpty()) {
            throw doc.error("expect.rules", "a list of expected rules (an empty list when none), or a truth table in expect.matrix");
        }
        return new Scenario(name, file,
                given(doc, given.path("inventory"), "given.inventory"),
                given(doc, given.path("policies"), "given.policies"),
                expect.has("rules") ? rules(doc, expect.path("rules"), "expect.rules") : null,
                expect.has("catchAll") ? rules(doc, expect.path("catchAll"), "expect.catchAll") : null,
                sets(doc, expect.path("sets")),
                warnings(doc, expect.path("warnings")), matrix);
    }

    private static Given given(Document doc, JsonNode node, String field) {
        if (node.isTextual()) return new Given(null, doc.fileDir().resolve(node.asText()).normalize());
        if (!node.isArray()) throw doc.error(field, "a list of YAML documents, or a folder path relative to the scenario");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) docs.add(doc.part(field + "[" + i + "]", node.get(i)));
        return new Given(docs, null);
    }

    private static List<ExpectedRule> rules(Document doc, JsonNode node, String field) {
        if (!node.isArray()) throw doc.error(field, "a list of expected rules");
        List<ExpectedRule> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode r = node.get(i);
            String f = field + "[" + i + "]";
            allow(doc, r, f + ".", "workload", "direction", "action", "protocol", "ports", "peer", "localSet", "rule", "policy", "rank",
                    "priority");
            JsonNode peer = r.path("peer");
            String peerSet = null;
            List<String> members = null;
            boolean any = false;
            if (peer.isArray()) {
                members = new ArrayList<>();
                for (JsonNode m : peer) members.add(m.asText());
            } else if (peer.isTextual()) {
                if (peer.asText().equalsIgnoreCase("any")) any = true;
                else peerSet = peer.asText();
            } else if (peer.isNull()) {
                any = true;
            }
            out.add(new ExpectedRule(text(r, "workload"), text(r, "direction"), text(r, "action"), text(r, "protocol"),
                    r.has("ports") ? r.get("ports").asText() : null, peerSet, members, any, text(r, "localSet"), text(r, "rule"),
                    text(r, "policy"), text(r, "rank"), r.has("priority") ? r.get("priority").asInt() : null));
        }
        return out;
    }

    private static Map<String, List<String>> sets(Document doc, JsonNode node) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (node.isMissingNode()) return out;
        if (!node.isObject()) throw doc.error("expect.sets", "a map of set id to its members");
        node.fields().forEachRemaining(e -> {
            List<String> members = new ArrayList<>();
            e.getValue().forEach(m -> members.add(m.asText()));
            out.put(e.getKey(), members);
        });
        return out;
    }

    private static List<ExpectedWarning> warnings(Document doc, JsonNode node) {
        List<ExpectedWarning> out = new ArrayList<>();
        if (node.isMissingNode()) return out;
        for (int i = 0; i < node.size(); i++) {
            JsonNode w = node.get(i);
            allow(doc, w, "expect.warnings[" + i + "].", "policy", "contains");
            out.add(new ExpectedWarning(text(w, "policy"), text(w, "contains")));
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Rejects unknown fields, so that a typo does not silently weaken a test. */
    static void allow(Document doc, JsonNode node, String prefix, String... fields) {
        if (!node.isObject()) return;
        List<String> known = List.of(fields);
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!known.contains(n)) throw doc.error(prefix + n, "one of " + known);
        }
    }
}
