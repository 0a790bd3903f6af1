package io.microseg.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.input.Wording;
import io.microseg.input.YamlDocuments;
import io.microseg.net.PortRange;
import io.microseg.net.Protocol;
import io.microseg.policy.query.Query;
import io.microseg.policy.query.QueryException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static io.microseg.input.Wording.found;
import static io.microseg.input.Wording.present;

/**
 * Reads {@code kind: Workspace} documents into {@link Workspace}s, refusing anything doubtful: the
 * first problem is an {@link InputException} naming the file, the workspace or policy, the field by
 * its YAML path ({@code spec.policies[0].ports[1]}) and what was expected there.
 *
 * <pre>
 * apiVersion: microseg.io/v1
 * kind: Workspace
 * metadata: {name: prod}
 * spec:
 *   scope: "environment = production"             # required
 *   catchAll: {ingress: DENY, egress: ALLOW}      # each defaults to ALLOW
 *   enforcement: audit                            # enforce (the default) or audit: DENY rules count, not drop
 *   policies:
 *     - id: db                                    # required, unique in the workspace
 *       consumer: "app = web"                     # required
 *       provider: "orchestrator_system/service_name = db"  # required
 *       ports: ["TCP 27017", "UDP 53", "TCP 8000-8080", "ICMP", "ANY"]  # required
 *       action: ALLOW                             # required: ALLOW or DENY
 *       rank: DEFAULT                             # ABSOLUTE or DEFAULT (the default)
 *       priority: 100                             # lower first; 100 by default
 * </pre>
 */
public final class PolicyReader {
    public static final String API_VERSION = "microseg.io/v1";
    public static final String KIND = "Workspace";
    public static final int DEFAULT_PRIORITY = 100;

    private static final List<String> SPEC_FIELDS = List.of("scope", "catchAll", "enforcement", "policies");
    private static final List<String> CATCH_ALL_FIELDS = List.of("ingress", "egress");
    private static final List<String> POLICY_FIELDS =
            List.of("id", "consumer", "provider", "ports", "action", "rank", "priority");
    private static final String PORT_EXAMPLES = "\"TCP 27017\", \"UDP 53\", \"TCP 8000-8080\", \"ICMP\" or \"ANY\"";

    private PolicyReader() {}

    /** Every workspace in the YAML and JSON files under {@code folder}. */
    public static List<Workspace> read(Path folder) {
        return read(YamlDocuments.readFolder(folder));
    }

    /** The workspaces of one file, for reloading it alone; names are only checked against each other. */
    public static List<Workspace> readFile(Path file) {
        return read(YamlDocuments.readFile(file));
    }

    /** One workspace per document, in order; workspace names must be unique across all of them. */
    public static List<Workspace> read(List<Document> docs) {
        Map<String, Document> byName = new HashMap<>();
        List<Workspace> workspaces = new ArrayList<>();
        for (Document doc : docs) {
            Workspace ws = workspace(doc);
            Document first = byName.putIfAbsent(ws.name(), doc);
            if (first != null) {
                throw doc.error("metadata.name", "expected a workspace name used only once, found " + ws.name()
                        + " also in " + first.file() + ":" + first.line());
            }
            workspaces.add(ws);
        }
        return workspaces;
    }

    private static Workspace workspace(Document doc) {
        if (!doc.apiVersion().equals(API_VERSION) || !doc.kind().equals(KIND)) {
            throw doc.error(doc.apiVersion().equals(API_VERSION) ? "kind" : "apiVersion",
                    "expected apiVersion " + API_VERSION + " and kind " + KIND + ", found apiVersion "
                            + orNothing(doc.apiVersion()) + " and kind " + orNothing(doc.kind()));
        }
        Where at = new Where(doc, doc.describe());
        String name = doc.name();
        if (name.isBlank()) throw at.error("metadata.name", "expected a workspace name");
        at.checkName("metadata.name", name, "workspace name");

        JsonNode spec = doc.node().path("spec");
        if (!spec.isObject()) {
            throw at.error("spec", "expected a mapping with scope, catchAll and policies, found " + found(spec));
        }
        at.checkFields("spec", spec, SPEC_FIELDS);
        Query scope = at.query("spec.scope", spec.path("scope"));

        JsonNode catchAll = spec.path("catchAll");
        Action ingress = Action.ALLOW;
        Action egress = Action.ALLOW;
        if (present(catchAll)) {
            if (!catchAll.isObject()) {
                throw at.error("spec.catchAll", "expected a mapping such as {ingress: DENY, egress: ALLOW}, found " + found(catchAll));
            }
            at.checkFields("spec.catchAll", catchAll, CATCH_ALL_FIELDS);
            if (present(catchAll.path("ingress"))) ingress = at.action("spec.catchAll.ingress", catchAll.path("ingress"));
            if (present(catchAll.path("egress"))) egress = at.action("spec.catchAll.egress", catchAll.path("egress"));
        }

        Enforcement enforcement = at.enforcement("spec.enforcement", spec.path("enforcement"));

        JsonNode list = spec.path("policies");
        List<Policy> policies = new ArrayList<>();
        if (present(list)) {
            if (!list.isArray()) throw at.error("spec.policies", "expected a list of policies, found " + found(list));
            Map<String, String> fieldById = new HashMap<>();
            for (int i = 0; i < list.size(); i++) {
                policies.add(policy(doc, name, "spec.policies[" + i + "]", list.get(i), fieldById));
            }
        }
        return new Workspace(name, scope, ingress, egress, policies, doc.file(), enforcement);
    }

    private static Policy policy(Document doc, String workspace, String path, JsonNode node, Map<String, String> fieldById) {
        if (!node.isObject()) {
            throw new Where(doc, doc.describe()).error(path,
                    "expected a policy, a mapping with id, consumer, provider, ports and action, found " + found(node));
        }
        JsonNode idNode = node.path("id");
        boolean hasId = present(idNode) && idNode.isValueNode() && !idNode.asText().isBlank();
        String id = idNode.asText();
        // Errors name the policy, once it has an id, the way the rest of the product does.
        Where at = new Where(doc, hasId ? "Policy " + workspace + "/" + id : doc.describe());
        // Before the required fields: a typo ("consumers") is reported as such, not as a missing field.
        at.checkFields(path, node, POLICY_FIELDS);
        if (!hasId) {
            throw at.error(path + ".id", "expected a policy id" + (present(idNode) ? ", found " + found(idNode) : ""));
        }
        at.checkName(path + ".id", id, "policy id");
        String other = fieldById.putIfAbsent(id, path + ".id");
        if (other != null) {
            throw at.error(path + ".id", "expected a policy id used once in the workspace, found " + id + " also at " + other);
        }

        Query consumer = at.query(path + ".consumer", node.path("consumer"));
        Query provider = at.query(path + ".provider", node.path("provider"));
        List<PortSpec> ports = at.ports(path + ".ports", node.path("ports"));
        JsonNode actionNode = node.path("action");
        if (!present(actionNode)) throw at.error(path + ".action", "expected an action, ALLOW or DENY");
        Action action = at.action(path + ".action", actionNode);
        Rank rank = at.rank(path + ".rank", node.path("rank"));
        int priority = at.priority(path + ".priority", node.path("priority"));
        return new Policy(id, consumer, provider, ports, action, rank, priority);
    }

    /** Where errors point: the document (file and line) and the object they name. */
    private record Where(Document doc, String object) {
        InputException error(String field, String expected) {
            return new InputException(doc.file(), doc.lineOf(field), object, field, expected);
        }

        // Policies are known everywhere as <workspace>/<id>: a '/' would make that ambiguous.
        void checkName(String field, String name, String what) {
            if (name.contains("/") || name.chars().anyMatch(Character::isWhitespace)) {
                throw error(field, "expected a " + what + " without '/' or spaces, found \"" + name + "\"");
            }
        }

        // Unknown fields are refused so that a typo ("consumers") is not silently a missing or default field.
        void checkFields(String path, JsonNode node, List<String> known) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!known.contains(f)) {
                    String hint = Wording.closest(f, known);
                    throw error(path + "." + f, "expected only " + Wording.listed(known) + ", found unknown field " + f
                            + (hint == null ? "" : " (did you mean " + hint + "?)"));
                }
            }
        }

        Query query(String field, JsonNode node) {
            if (!node.isTextual()) {
                throw error(field, "expected a query in quotes such as \"environment = production\" (\"*\" for everything)"
                        + (present(node) ? ", found " + found(node) : ""));
            }
            try {
                return Query.parse(node.asText());
            } catch (QueryException e) {
                throw error(field, e.getMessage());
            }
        }

        Action action(String field, JsonNode node) {
            return switch (upper(node)) {
                case "ALLOW" -> Action.ALLOW;
                case "DENY" -> Action.DENY;
                default -> throw error(field, "expected ALLOW or DENY, found " + found(node));
            };
        }

        Enforcement enforcement(String field, JsonNode node) {
            if (!present(node)) return Enforcement.ENFORCE;
            return (node.isTextual() ? Enforcement.parse(node.asText()) : java.util.Optional.<Enforcement>empty())
                    .orElseThrow(() -> error(field, "expected enforce or audit, found " + found(node)));
        }

        Rank rank(String field, JsonNode node) {
            if (!present(node)) return Rank.DEFAULT;
            return switch (upper(node)) {
                case "ABSOLUTE" -> Rank.ABSOLUTE;
                case "DEFAULT" -> Rank.DEFAULT;
                case "CATCHALL" -> throw error(field, "expected ABSOLUTE or DEFAULT, found CATCHALL (the catch-all is set by spec.catchAll)");
                default -> throw error(field, "expected ABSOLUTE or DEFAULT, found " + found(node));
            };
        }

        int priority(String field, JsonNode node) {
            if (!present(node)) return DEFAULT_PRIORITY;
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw error(field, "expected an integer priority (lower runs first), found " + found(node));
            }
            return node.intValue();
        }

        List<PortSpec> ports(String field, JsonNode node) {
            if (!node.isArray() || node.isEmpty()) {
                throw error(field, "expected a list of ports such as [\"TCP 27017\"]" + (present(node) ? ", found " + found(node) : ""));
            }
            List<PortSpec> ports = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                ports.add(port(field + "[" + i + "]", node.get(i)));
            }
            return ports;
        }

        private PortSpec port(String field, JsonNode node) {
            if (!node.isTextual() || node.asText().isBlank()) {
                throw error(field, "expected a port such as " + PORT_EXAMPLES + ", found " + found(node));
            }
            String[] words = node.asText().trim().split("\\s+");
            Protocol protocol = Protocol.parse(words[0]).orElseThrow(() ->
                    error(field, "expected a protocol (TCP, UDP, SCTP, ICMP or ANY), found \"" + words[0] + "\""));
            if (!protocol.hasPorts()) {
                if (words.length > 1) throw error(field, "expected no port after " + protocol + ", which has none, found " + found(node));
                return new PortSpec(protocol, PortRange.NONE);
            }
            if (words.length == 1) {
                throw error(field, "expected a port or range after " + protocol + ", such as \"" + protocol + " 443\" or \""
                        + protocol + " 1-65535\"");
            }
            if (words.length > 2) {
                throw error(field, "expected one port or range per entry, such as \"TCP 8000-8080\", found " + found(node));
            }
            String range = words[1];
            int dash = range.indexOf('-');
            int from = portNumber(field, dash < 0 ? range : range.substring(0, dash));
            int to = dash < 0 ? from : portNumber(field, range.substring(dash + 1));
            if (from > to) {
                throw error(field, "expected a range from low to high such as 8000-8080, found " + range);
            }
            return new PortSpec(protocol, new PortRange(from, to));
        }

        private int portNumber(String field, String text) {
            // At most 5 digits: longer text is out of range anyway and must not overflow parseInt.
            int port = text.matches("\\d{1,5}") ? Integer.parseInt(text) : -1;
            if (port < 1 || port > 65535) {
                throw error(field, "expected a port between 1 and 65535, found " + (text.isEmpty() ? "nothing" : text));
            }
            return port;
        }
    }

    private static String upper(JsonNode node) {
        return node.isTextual() ? node.asText().trim().toUpperCase(Locale.ROOT) : "";
    }

    private static String orNothing(String s) {
        return s.isEmpty() ? "(none)" : s;
    }
}
