package io.microseg.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.Codec;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.Workload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The groups form of the watch stream's snapshot and delta, as NDJSON lines, for measuring it beside the
 * form the feed sends (the bench only: the product's wire is {@link Codec}'s). It is the same events with
 * the rules replaced by templates and memberships:
 *
 * <pre>
 * {"type":"snapshot","epoch":E,"version":V,"replace":false,"sets":[...],"workloads":[...],
 *  "templates":[{"id":T,"direction",...every rule field but id and workload...,"workloads":[ids]}]}
 * {"type":"delta","version":V,"setsAdded":[...],"setsRemoved":[...],"setMembers":[...],"workloadsAdded":[...],
 *  "workloadsRemoved":[...],"templatesAdded":[...],"templatesRemoved":[T],"members":[{"template":T,"added":[ids],"removed":[ids]}]}
 * </pre>
 *
 * Sets and workloads are encoded by {@link Codec} itself, and a template's fields by {@link Codec#rule}, so
 * the two forms differ only where rules are. An agent applies a delta as the feed's: templates removed,
 * templates added, members removed then added (a template left without a workload goes), with sets and
 * workloads as today.
 */
final class GroupsWire {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private GroupsWire() {}

    record Snapshot(long version, boolean replace, GroupedRules rules, List<AddressSet> sets, List<Workload> workloads) {}

    /** Members of one template that joined and left. */
    record Members(String template, List<String> added, List<String> removed) {}

    /** The sets and workloads part is the feed's delta as it is ({@code shared}, its rule lists unused). */
    record Delta(long version, Map<String, GroupedRules.Entry> templatesAdded, List<String> templatesRemoved, List<Members> members,
                 AgentEvent.Delta shared) {
        boolean isEmpty() {
            return templatesAdded.isEmpty() && templatesRemoved.isEmpty() && members.isEmpty() && shared.setsAdded().isEmpty()
                    && shared.setsRemoved().isEmpty() && shared.setMembers().isEmpty() && shared.workloadsAdded().isEmpty()
                    && shared.workloadsRemoved().isEmpty();
        }
    }

    // ---- encoding ----

    static byte[] line(Snapshot s, String epoch) {
        Map<String, Object> m = Codec.event(new AgentEvent.Snapshot(s.version(), s.replace(), List.of(), s.sets(), s.workloads()), epoch);
        m.remove("rules");
        List<Object> templates = new ArrayList<>(s.rules().templates());
        s.rules().entries().forEach((id, e) -> templates.add(template(id, e)));
        m.put("templates", templates);
        return withNewline(Codec.bytes(m));
    }

    static byte[] line(Delta d) {
        AgentEvent.Delta x = d.shared();
        Map<String, Object> m = Codec.event(new AgentEvent.Delta(d.version(), List.of(), List.of(), x.setsAdded(), x.setsRemoved(),
                x.setMembers(), x.workloadsAdded(), x.workloadsRemoved()), null);
        m.remove("rulesAdded");
        m.remove("rulesRemoved");
        List<Object> added = new ArrayList<>(d.templatesAdded().size());
        d.templatesAdded().forEach((id, e) -> added.add(template(id, e)));
        m.put("templatesAdded", added);
        m.put("templatesRemoved", d.templatesRemoved());
        m.put("members", d.members().stream().map(c -> {
            Map<String, Object> x2 = new LinkedHashMap<>();
            x2.put("template", c.template());
            x2.put("added", c.added());
            x2.put("removed", c.removed());
            return x2;
        }).toList());
        return withNewline(Codec.bytes(m));
    }

    private static Map<String, Object> template(String id, GroupedRules.Entry e) {
        Map<String, Object> m = Codec.rule(e.template().on(""));
        m.put("id", id);
        m.remove("workload");
        m.put("workloads", List.copyOf(e.workloads()));
        return m;
    }

    private static byte[] withNewline(byte[] json) {
        byte[] out = Arrays.copyOf(json, json.length + 1);
        out[json.length] = '\n';
        return out;
    }

    // ---- decoding (strict, as the agent's Codec) ----

    static Snapshot decodeSnapshot(String line) throws Codec.WireFormatException {
        JsonNode n = tree(line);
        expectType(n, "snapshot");
        List<AddressSet> sets = new ArrayList<>();
        JsonNode a = array(n, "sets");
        for (int i = 0; i < a.size(); i++) sets.add(Codec.set(a.get(i), "sets[" + i + "]"));
        return new Snapshot(number(n, "version"), bool(n, "replace"), templates(array(n, "templates"), "templates"), sets,
                workloads(array(n, "workloads"), "workloads"));
    }

    static Delta decodeDelta(String line) throws Codec.WireFormatException {
        JsonNode n = tree(line);
        expectType(n, "delta");
        GroupedRules added = templates(array(n, "templatesAdded"), "templatesAdded");
        List<Members> members = new ArrayList<>();
        JsonNode m = array(n, "members");
        for (int i = 0; i < m.size(); i++) {
            JsonNode c = m.get(i);
            members.add(new Members(text(c, "template"), strings(array(c, "added")), strings(array(c, "removed"))));
        }
        List<AddressSet> setsAdded = new ArrayList<>();
        JsonNode s = array(n, "setsAdded");
        for (int i = 0; i < s.size(); i++) setsAdded.add(Codec.set(s.get(i), "setsAdded[" + i + "]"));
        List<SetChange> setMembers = new ArrayList<>();
        JsonNode sm = array(n, "setMembers");
        for (int i = 0; i < sm.size(); i++) {
            JsonNode c = sm.get(i);
            setMembers.add(new SetChange(text(c, "set"), c.hasNonNull("description") ? c.get("description").asText() : null,
                    strings(array(c, "added")), strings(array(c, "removed"))));
        }
        long version = number(n, "version");
        AgentEvent.Delta shared = new AgentEvent.Delta(version, List.of(), List.of(), setsAdded, strings(array(n, "setsRemoved")),
                setMembers, workloads(array(n, "workloadsAdded"), "workloadsAdded"), strings(array(n, "workloadsRemoved")));
        return new Delta(version, added.entries(), strings(array(n, "templatesRemoved")), members, shared);
    }

    private static GroupedRules templates(JsonNode a, String field) throws Codec.WireFormatException {
        GroupedRules g = new GroupedRules();
        for (int i = 0; i < a.size(); i++) {
            JsonNode t = a.get(i);
            // the template's fields are a rule's: decoded by the agent's own decoder, on no workload
            ObjectNode rule = MAPPER.createObjectNode();
            rule.setAll((ObjectNode) t);
            rule.put("workload", "");
            g.put(text(t, "id"), RuleTemplate.of(Codec.rule(rule, field + "[" + i + "]")), strings(array(t, "workloads")));
        }
        return g;
    }

    private static List<Workload> workloads(JsonNode a, String field) throws Codec.WireFormatException {
        List<Workload> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) out.add(Codec.workload(a.get(i), field + "[" + i + "]"));
        return out;
    }

    private static JsonNode tree(String line) throws Codec.WireFormatException {
        try {
            JsonNode n = MAPPER.readTree(line);
            if (n == null || !n.isObject()) throw new Codec.WireFormatException("expected a JSON object");
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Codec.WireFormatException("not JSON: " + e.getOriginalMessage());
        }
    }

    private static void expectType(JsonNode n, String type) throws Codec.WireFormatException {
        if (!type.equals(text(n, "type"))) throw new Codec.WireFormatException("field 'type': expected " + type);
    }

    private static JsonNode present(JsonNode n, String field) throws Codec.WireFormatException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) throw new Codec.WireFormatException("field '" + field + "': missing");
        return v;
    }

    private static JsonNode array(JsonNode n, String field) throws Codec.WireFormatException {
        JsonNode v = present(n, field);
        if (!v.isArray()) throw new Codec.WireFormatException("field '" + field + "': expected an array");
        return v;
    }

    private static String text(JsonNode n, String field) throws Codec.WireFormatException {
        JsonNode v = present(n, field);
        if (!v.isTextual()) throw new Codec.WireFormatException("field '" + field + "': expected a string");
        return v.asText();
    }

    private static long number(JsonNode n, String field) throws Codec.WireFormatException {
        JsonNode v = present(n, field);
        if (!v.isIntegralNumber()) throw new Codec.WireFormatException("field '" + field + "': expected an integer");
        return v.asLong();
    }

    private static boolean bool(JsonNode n, String field) throws Codec.WireFormatException {
        JsonNode v = present(n, field);
        if (!v.isBoolean()) throw new Codec.WireFormatException("field '" + field + "': expected true or false");
        return v.asBoolean();
    }

    private static List<String> strings(JsonNode a) throws Codec.WireFormatException {
        List<String> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isTextual()) throw new Codec.WireFormatException("expected a string at [" + i + "]");
            out.add(a.get(i).asText());
        }
        return out;
    }
}
