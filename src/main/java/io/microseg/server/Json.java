package io.microseg.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.controlplane.AddressSet;
import io.microseg.compile.CompilationJson;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.Codec;
import io.vertx.core.buffer.Buffer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API's JSON: rules and sets in the compile JSON's shape ({@link CompilationJson}), and the
 * watch stream's events as {@link Codec} encodes them, one compact JSON object per line (NDJSON).
 * {@code epoch} names the server instance whose versions these are: a cursor ({@code since}) is only
 * meaningful to the instance it came from.
 */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    static Buffer buffer(Object value) {
        try {
            return Buffer.buffer(MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One NDJSON line. */
    static Buffer line(AgentEvent event, String epoch) {
        return Buffer.buffer(Codec.line(event, epoch));
    }

    /** {@code {"epoch","version","rules","sets"}}: an agent's rules as {@code GET .../rules} answers. */
    static Map<String, Object> agentRules(AgentEvent.Snapshot s, String epoch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("version", s.version());
        m.put("rules", rules(s.rules()));
        m.put("sets", sets(s.sets()));
        return m;
    }

    static List<Map<String, Object>> rules(List<CompiledRule> rules) {
        return rules.stream().map(CompilationJson::rule).toList();
    }

    static List<Map<String, Object>> sets(List<AddressSet> sets) {
        return sets.stream().map(CompilationJson::set).toList();
    }

    static Map<String, Object> error(int status, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("error", message);
        return m;
    }

    /** What a policy says (or a workspace's catch-all), for explanations; null when it is no longer in force. */
    static Map<String, Object> policy(List<io.microseg.policy.Workspace> workspaces, String policyId) {
        for (io.microseg.policy.Workspace ws : workspaces) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("workspace", ws.name());
            m.put("scope", ws.scope().text());
            if (policyId.equals(ws.name() + "/catch-all")) {
                m.put("catchAll", Map.of("ingress", ws.catchAllIngress().name(), "egress", ws.catchAllEgress().name()));
                return m;
            }
            for (io.microseg.policy.Policy p : ws.policies()) {
                if (!ws.qualify(p).equals(policyId)) continue;
                m.put("consumer", p.consumer().text());
                m.put("provider", p.provider().text());
                m.put("ports", p.ports().stream().map(Object::toString).toList());
                m.put("action", p.action().name());
                m.put("rank", p.rank().name());
                m.put("priority", p.priority());
                return m;
            }
        }
        return null;
    }
}
