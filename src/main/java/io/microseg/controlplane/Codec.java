package io.microseg.controlplane;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON encoding of the controlplane vocabulary, both ways: rules and sets (the shape of the
 * compile JSON and of the API), the watch stream's events (one object per NDJSON line) and agent status
 * reports. The server encodes with it and the agent decodes with it; a round trip gives back an equal
 * value, except that rules travel without their justifications (provenance stays on the server:
 * {@code GET /v1/rules/{id}/explain}).
 *
 * <pre>
 * {"type":"snapshot","epoch":E,"version":V,"replace":false,"rules":[...],"sets":[...],
 *  "workloads":[{"id":id,"addresses":[ips]}]}
 * {"type":"delta","version":V,"rulesAdded":[...],"rulesRemoved":[ids],"setsAdded":[...],"setsRemoved":[ids],
 *  "setMembers":[{"set":id,"added":[ips],"removed":[ips]}],"workloadsAdded":[...],"workloadsRemoved":[ids]}
 * {"type":"bookmark","epoch":E,"version":V}
 * </pre>
 *
 * Decoding is strict: a missing field or a value of the wrong kind is a {@link WireFormatException} naming
 * the field, so an agent never applies half of a message it misread. Every list is required, the
 * workload lists included: a stream from a server that does not send workloads is refused rather than
 * read as "no workloads" (which would make an agent drop every pod's namespace). Only single values
 * documented as nullable (epoch, description, peerSet, localSet, error) may be missing, a rule's
 * {@code enforcement}, which is {@code AUDIT} or missing ({@code ENFORCE}: what an older server means),
 * and a rule's {@code afterDnat}, which is {@code true} or missing (false).
 */
public final class Codec {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Codec() {}

    /** A decoded event line and the epoch it carried (snapshots and bookmarks carry one; deltas null). */
    public record Decoded(AgentEvent event, String epoch) {}

    /** A message that does not have the expected shape; the message names the field. */
    public static final class WireFormatException extends Exception {
        public WireFormatException(String message) {
            super(message);
        }
    }

    // ---- encoding ----

    public static Map<String, Object> rule(CompiledRule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("workload", r.workload());
        m.put("direction", r.direction().name());
        m.put("action", r.action().name());
        m.put("protocol", r.protocol().name());
        m.put("ports", r.ports());
        m.put("peerSet", r.peerSet());
        if (r.localSet() != null) m.put("localSet", r.localSet());
        m.put("rule", r.rule());
        m.put("policy", r.policy());
        m.put("rank", r.rank().name());
        m.put("priority", r.priority());
        if (r.enforcement() != Enforcement.ENFORCE) m.put("enforcement", r.enforcement().name());
        if (r.afterDnat()) m.put("afterDnat", true);
        return m;
    }

    public static Map<String, Object> set(AddressSet s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("description", s.description());
        m.put("members", List.copyOf(s.members()));
        return m;
    }

    public static Map<String, Object> workload(Workload w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id());
        m.put("addresses", w.addresses());
        return m;
    }

    /** An event as a JSON object; {@code epoch} goes on snapshots and bookmarks. */
    public static Map<String, Object> event(AgentEvent event, String epoch) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (event instanceof AgentEvent.Snapshot s) {
            m.put("type", "snapshot");
            m.put("epoch", epoch);
            m.put("version", s.version());
            m.put("replace", s.replace());
            m.put("rules", s.rules().stream().map(Codec::rule).toList());
            m.put("sets", s.sets().stream().map(Codec::set).toList());
            m.put("workloads", s.workloads().stream().map(Codec::workload).toList());
        } else if (event instanceof AgentEvent.Delta d) {
            m.put("type", "delta");
            m.put("version", d.version());
            m.put("rulesAdded", d.rulesAdded().stream().map(Codec::rule).toList());
            m.put("rulesRemoved", d.rulesRemoved());
            m.put("setsAdded", d.setsAdded().stream().map(Codec::set).toList());
            m.put("setsRemoved", d.setsRemoved());
            m.put("setMembers", d.setMembers().stream().map(Codec::members).toList());
            m.put("workloadsAdded", d.workloadsAdded().stream().map(Codec::workload).toList());
            m.put("workloadsRemoved", d.workloadsRemoved());
        } else if (event instanceof AgentEvent.Bookmark b) {
            m.put("type", "bookmark");
            m.put("epoch", epoch);
            m.put("version", b.version());
        }
        return m;
    }

    /** One NDJSON line, newline included. */
    public static byte[] line(AgentEvent event, String epoch) {
        byte[] json = bytes(event(event, epoch));
        byte[] out = Arrays.copyOf(json, json.length + 1);
        out[json.length] = '\n';
        return out;
    }

    private static Map<String, Object> members(SetChange c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("set", c.set());
        if (c.description() != null) m.put("description", c.description());
        m.put("added", c.added());
        m.put("removed", c.removed());
        return m;
    }

    public static Map<String, Object> status(AgentStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("identity", s.identity());
        m.put("epoch", s.epoch());
        m.put("appliedVersion", s.appliedVersion());
        m.put("namespaces", s.namespaces().stream().map(n -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("workload", n.workload());
            x.put("netns", n.netns());
            x.put("applied", n.applied());
            x.put("rules", n.rules());
            x.put("error", n.error());
            return x;
        }).toList());
        m.put("pendingPods", s.pendingPods());
        m.put("lastError", s.lastError());
        m.put("auditCounters", s.auditCounters().stream().map(c -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("rule", c.rule());
            x.put("instance", c.instance());
            x.put("packets", c.packets());
            x.put("bytes", c.bytes());
            return x;
        }).toList());
        return m;
    }

    public static byte[] bytes(Object json) {
        try {
            return MAPPER.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps, lists, strings and numbers always serialize", e);
        }
    }

    // ---- decoding ----

    /** One line of the watch stream. */
    public static Decoded decodeEvent(String line) throws WireFormatException {
        JsonNode n = tree(line);
        long version = number(n, "version", null);
        String type = text(n, "type", null);
        return switch (type) {
            case "snapshot" -> new Decoded(new AgentEvent.Snapshot(version, bool(n, "replace", null),
                    rules(array(n, "rules", null), "rules"), sets(array(n, "sets", null), "sets"),
                    workloads(array(n, "workloads", null), "workloads")), optionalText(n, "epoch"));
            case "delta" -> new Decoded(new AgentEvent.Delta(version, rules(array(n, "rulesAdded", null), "rulesAdded"),
                    strings(array(n, "rulesRemoved", null), "rulesRemoved"), sets(array(n, "setsAdded", null), "setsAdded"),
                    strings(array(n, "setsRemoved", null), "setsRemoved"), changes(array(n, "setMembers", null)),
                    workloads(array(n, "workloadsAdded", null), "workloadsAdded"),
                    strings(array(n, "workloadsRemoved", null), "workloadsRemoved")), null);
            case "bookmark" -> new Decoded(new AgentEvent.Bookmark(version), optionalText(n, "epoch"));
            default -> throw new WireFormatException("field 'type': expected snapshot, delta or bookmark, found '" + type + "'");
        };
    }

    public static CompiledRule rule(JsonNode r, String where) throws WireFormatException {
        return new CompiledRule(text(r, "id", where), text(r, "workload", where),
                constant(Direction.class, r, "direction", where), constant(Action.class, r, "action", where),
                constant(Protocol.class, r, "protocol", where), text(r, "ports", where),
                optionalText(r, "peerSet"), optionalText(r, "localSet"), text(r, "rule", where), text(r, "policy", where),
                constant(Rank.class, r, "rank", where), (int) number(r, "priority", where), List.of(),
                r.hasNonNull("enforcement") ? constant(Enforcement.class, r, "enforcement", where) : Enforcement.ENFORCE,
                afterDnat(r, where));
    }

    /** A rule's {@code afterDnat}: true, or missing (false: what an older server means). */
    private static boolean afterDnat(JsonNode r, String where) throws WireFormatException {
        if (!r.hasNonNull("afterDnat")) return false;
        if (!r.get("afterDnat").isBoolean()) throw new WireFormatException("field '" + where + ".afterDnat': expected true or false");
        return r.get("afterDnat").booleanValue();
    }

    public static AddressSet set(JsonNode s, String where) throws WireFormatException {
        String description = optionalText(s, "description");
        return new AddressSet(text(s, "id", where), description == null ? "" : description,
                strings(array(s, "members", where), where + ".members"));
    }

    public static Workload workload(JsonNode w, String where) throws WireFormatException {
        return new Workload(text(w, "id", where), strings(array(w, "addresses", where), where + ".addresses"));
    }

    /** A status report ({@code PUT .../status}). */
    public static AgentStatus decodeStatus(String body) throws WireFormatException {
        JsonNode n = tree(body);
        List<AgentStatus.NamespaceStatus> namespaces = new ArrayList<>();
        JsonNode list = array(n, "namespaces", null);
        for (int i = 0; i < list.size(); i++) {
            JsonNode x = list.get(i);
            String where = "namespaces[" + i + "]";
            namespaces.add(new AgentStatus.NamespaceStatus(text(x, "workload", where), text(x, "netns", where),
                    bool(x, "applied", where), (int) number(x, "rules", where), optionalText(x, "error")));
        }
        return new AgentStatus(text(n, "identity", null), optionalText(n, "epoch"), number(n, "appliedVersion", null), namespaces,
                strings(array(n, "pendingPods", null), "pendingPods"), optionalText(n, "lastError"), counters(n));
    }

    /**
     * A report's {@code auditCounters}: missing is none (an agent that predates audit mode); present, a list
     * of at most {@link AgentStatus#MAX_AUDIT_COUNTERS} entries with distinct rule ids and counts that are
     * not negative.
     */
    private static List<AgentStatus.RuleCounter> counters(JsonNode n) throws WireFormatException {
        if (!n.hasNonNull("auditCounters")) return List.of();
        JsonNode list = array(n, "auditCounters", null);
        if (list.size() > AgentStatus.MAX_AUDIT_COUNTERS) {
            throw new WireFormatException("field 'auditCounters': expected at most " + AgentStatus.MAX_AUDIT_COUNTERS
                    + " entries, found " + list.size());
        }
        List<AgentStatus.RuleCounter> out = new ArrayList<>(list.size());
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode x = list.get(i);
            String where = "auditCounters[" + i + "]";
            String rule = text(x, "rule", where);
            if (!seen.add(rule)) throw new WireFormatException(name(where, "rule") + ": expected each rule once, found " + rule + " again");
            long packets = number(x, "packets", where);
            long bytes = number(x, "bytes", where);
            if (packets < 0) throw new WireFormatException(name(where, "packets") + ": expected a count, found " + packets);
            if (bytes < 0) throw new WireFormatException(name(where, "bytes") + ": expected a count, found " + bytes);
            out.add(new AgentStatus.RuleCounter(rule, text(x, "instance", where), packets, bytes));
        }
        return out;
    }

    private static JsonNode tree(String text) throws WireFormatException {
        JsonNode n;
        try {
            n = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new WireFormatException("not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) throw new WireFormatException("expected a JSON object");
        return n;
    }

    private static List<CompiledRule> rules(JsonNode a, String field) throws WireFormatException {
        List<CompiledRule> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) out.add(rule(a.get(i), field + "[" + i + "]"));
        return out;
    }

    private static List<AddressSet> sets(JsonNode a, String field) throws WireFormatException {
        List<AddressSet> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) out.add(set(a.get(i), field + "[" + i + "]"));
        return out;
    }

    private static List<Workload> workloads(JsonNode a, String field) throws WireFormatException {
        List<Workload> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) out.add(workload(a.get(i), field + "[" + i + "]"));
        return out;
    }

    private static List<SetChange> changes(JsonNode a) throws WireFormatException {
        List<SetChange> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            JsonNode c = a.get(i);
            String where = "setMembers[" + i + "]";
            out.add(new SetChange(text(c, "set", where), optionalText(c, "description"),
                    strings(array(c, "added", where), where + ".added"), strings(array(c, "removed", where), where + ".removed")));
        }
        return out;
    }

    private static List<String> strings(JsonNode a, String field) throws WireFormatException {
        List<String> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isTextual()) throw new WireFormatException("field '" + field + "[" + i + "]': expected a string");
            out.add(a.get(i).asText());
        }
        return out;
    }

    private static String name(String where, String field) {
        return "field '" + (where == null ? "" : where + ".") + field + "'";
    }

    private static JsonNode present(JsonNode n, String field, String where) throws WireFormatException {
        JsonNode v = n == null ? null : n.get(field);
        if (v == null || v.isNull()) throw new WireFormatException(name(where, field) + ": missing");
        return v;
    }

    private static String text(JsonNode n, String field, String where) throws WireFormatException {
        JsonNode v = present(n, field, where);
        if (!v.isTextual()) throw new WireFormatException(name(where, field) + ": expected a string, found " + v.getNodeType());
        return v.asText();
    }

    private static String optionalText(JsonNode n, String field) throws WireFormatException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw new WireFormatException(name(null, field) + ": expected a string or null, found " + v.getNodeType());
        return v.asText();
    }

    private static long number(JsonNode n, String field, String where) throws WireFormatException {
        JsonNode v = present(n, field, where);
        if (!v.isIntegralNumber()) throw new WireFormatException(name(where, field) + ": expected an integer, found " + v.getNodeType());
        return v.asLong();
    }

    private static boolean bool(JsonNode n, String field, String where) throws WireFormatException {
        JsonNode v = present(n, field, where);
        if (!v.isBoolean()) throw new WireFormatException(name(where, field) + ": expected true or false, found " + v.getNodeType());
        return v.asBoolean();
    }

    private static JsonNode array(JsonNode n, String field, String where) throws WireFormatException {
        JsonNode v = present(n, field, where);
        if (!v.isArray()) throw new WireFormatException(name(where, field) + ": expected an array, found " + v.getNodeType());
        return v;
    }

    private static <E extends Enum<E>> E constant(Class<E> type, JsonNode n, String field, String where) throws WireFormatException {
        String v = text(n, field, where);
        try {
            return Enum.valueOf(type, v);
        } catch (IllegalArgumentException e) {
            throw new WireFormatException(name(where, field) + ": expected one of " + Arrays.toString(type.getEnumConstants()) + ", found '" + v + "'");
        }
    }
}
