package io.microseg.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.microseg.config.MicrosegConfig.InventorySources;
import io.microseg.config.MicrosegConfig.KubernetesCluster;
import io.microseg.config.MicrosegConfig.PolicySources;
import io.microseg.input.InputException;
import io.microseg.input.Wording;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static io.microseg.input.Wording.found;
import static io.microseg.input.Wording.present;

/**
 * Reads {@code config/microseg.yaml}, refusing anything doubtful: an unknown field (a typo) or a value
 * of the wrong type is an {@link InputException} naming the file, the line, the field by its YAML path
 * ({@code inventory.kubernetes[0].context}) and what was expected there.
 *
 * <pre>
 * inventory:
 *   folders: [config/demo/inventory]     # watched folders of manifests (default: none)
 *   kubernetes:                          # clusters read live (default: none)
 *     - cluster: prod                    # required: the cluster's name in microseg
 *       context: prod-admin              # optional: kubeconfig context; omitted: in-cluster service account
 *       kubeconfig: /path/to/kubeconfig  # optional: default $KUBECONFIG or ~/.kube/config
 *       workspaces: true                 # optional, default false: also read Workspace custom resources
 * policies:
 *   folders: [config/demo/policies]      # watched folders of Workspace documents (default: none)
 * server:                                # microseg serve (every field optional)
 *   listen: 127.0.0.1:8080               # HOST:PORT, default 127.0.0.1:8080
 *   bookmarkInterval: 10s                # heartbeat of idle watch streams, default 10s
 *   slowConsumer: {maxPendingChanges: 100000, grace: 30s}
 *   http:                                # connection and request limits (docs/security.md)
 *     headerTimeout: 10s                 # a new connection's request head must be complete within this
 *     idleTimeout: 60s                   # a connection with no request in progress; at least 2 bookmarkIntervals
 *     maxConnections: 10000              # open connections in all
 *     maxUnauthenticatedConnections: 1000  # connections that have not made an authenticated request yet
 *     workers: 4                         # threads for trace, warnings, explain, workload rules and /metrics
 *     errorLogInterval: 10s              # malformed requests are logged once per interval and kind
 *   agentStatus: {maxBodyBytes: 262144, staleAfter: 90s, maxAgents: 10000}   # agents' status reports (docs/status.md)
 *   preview: {maxBodyBytes: 1048576, maxFlows: 200000, maxFlips: 100000, timeout: 30s}   # POST /v1/preview (docs/diff.md)
 *   workbench: {sessionLifetime: 8h, maxSessions: 1000, secureCookie: false}   # the web workbench's sessions (docs/workbench.md)
 *   leaderElection:                      # the replica that writes Workspace status (a Lease in the first cluster)
 *     enabled: true                      # default: true exactly when inventory.kubernetes lists a cluster
 *     namespace: microseg                # default: the client's namespace
 *     name: microseg-server
 *     leaseDuration: 15s                 # > renewDeadline > 1.2 x retryPeriod
 *     renewDeadline: 10s
 *     retryPeriod: 2s
 *   auth:
 *     insecureNoAuth: false              # true: no tokens at all; only on a loopback listen address
 *     agents:                            # an agent reads its own node's or host's rules
 *       - {identity: node/prod/node-1, tokenHash: "sha256:<64 hex digits>"}
 *     operators:                         # an operator reads everything
 *       - {name: alice, tokenHash: "sha256:<64 hex digits>"}
 *     kubernetes:                        # tokens the Kubernetes API vouches for (TokenReview, SubjectAccessReview)
 *       enabled: true                    # default true when the section is present
 *       cluster: prod                    # node identities node/<cluster>/<node>; default: the only inventory.kubernetes cluster
 *       audience: microseg               # the agents' projected tokens' audience
 *       agentServiceAccounts: [system:serviceaccount:microseg:microseg-agent]
 *       operatorAccess: {enabled: true, group: microseg.io, resource: rules, verb: get}
 *       cacheTTL: 30s                    # accepted answers kept (never past the token's expiry)
 *       deniedCacheTTL: 5s               # refused answers kept
 *       cacheSize: 10000                 # answers kept at most
 *       maxPendingReviews: 64            # tokens under review at once; beyond, 503
 *       timeout: 5s                      # each call to the API server
 *       context: prod-admin              # default: the inventory cluster's, else the in-cluster service account
 *       kubeconfig: /path/to/kubeconfig
 * rules:                                 # how serve deploys its DRL folder (docs/rule-deploys.md)
 *   quietPeriod: 2s                      # a changed folder must stay the same this long before it is deployed
 *   pollInterval: 5s                     # the folder's content is read and digested this often
 *   allowSharedFolder: false             # true: serve a folder or file others may write (they run code as the server)
 *   stallAfter: 30s                      # the engine working this long without a rule finishing: /healthz 503
 * </pre>
 *
 * Relative paths are resolved against the current directory (the directory microseg is started in),
 * not against the folder of the configuration file; a leading {@code ~/} is the user's home.
 */
public final class MicrosegConfigReader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final List<String> TOP_FIELDS = List.of("inventory", "policies", "server", "rules");
    private static final List<String> RULES_FIELDS = List.of("quietPeriod", "pollInterval", "allowSharedFolder", "stallAfter");
    private static final List<String> SERVER_FIELDS = List.of("listen", "bookmarkInterval", "slowConsumer", "http", "auth",
            "agentStatus", "leaderElection", "preview", "workbench");
    private static final List<String> WORKBENCH_FIELDS = List.of("sessionLifetime", "maxSessions", "secureCookie");
    private static final List<String> PREVIEW_FIELDS = List.of("maxBodyBytes", "maxFlows", "maxFlips", "timeout");
    private static final List<String> AGENT_STATUS_FIELDS = List.of("maxBodyBytes", "staleAfter", "maxAgents");
    private static final List<String> LEADER_FIELDS = List.of("enabled", "namespace", "name", "leaseDuration", "renewDeadline",
            "retryPeriod");
    private static final List<String> HTTP_FIELDS = List.of("headerTimeout", "idleTimeout", "maxConnections",
            "maxUnauthenticatedConnections", "workers", "errorLogInterval");
    private static final List<String> SLOW_CONSUMER_FIELDS = List.of("maxPendingChanges", "grace");
    private static final List<String> AUTH_FIELDS = List.of("insecureNoAuth", "agents", "operators", "kubernetes");
    private static final List<String> KUBERNETES_AUTH_FIELDS = List.of("enabled", "cluster", "audience", "agentServiceAccounts",
            "operatorAccess", "cacheTTL", "deniedCacheTTL", "cacheSize", "maxPendingReviews", "timeout", "context", "kubeconfig");
    private static final List<String> OPERATOR_ACCESS_FIELDS = List.of("enabled", "group", "resource", "verb");
    private static final java.util.regex.Pattern SERVICE_ACCOUNT = java.util.regex.Pattern.compile("system:serviceaccount:[a-z0-9.-]+:[a-z0-9.-]+");
    private static final List<String> AGENT_FIELDS = List.of("identity", "tokenHash");
    private static final List<String> OPERATOR_FIELDS = List.of("name", "tokenHash");
    private static final java.util.regex.Pattern TOKEN_HASH = java.util.regex.Pattern.compile("sha256:[0-9a-f]{64}");
    private static final java.util.regex.Pattern AGENT_IDENTITY = java.util.regex.Pattern.compile("node/[^/\\s]+/[^/\\s]+|host/[^/\\s]+");
    private static final List<String> INVENTORY_FIELDS = List.of("folders", "kubernetes");
    private static final List<String> CLUSTER_FIELDS = List.of("cluster", "context", "kubeconfig", "workspaces");
    private static final List<String> POLICY_FIELDS = List.of("folders");

    private final String file;
    private final Path base;
    private final Map<String, Integer> lines = new HashMap<>();

    private MicrosegConfigReader(String file, Path base) {
        this.file = file;
        this.base = base;
    }

    /** Reads the file; relative paths in it are resolved against the current directory. */
    public static MicrosegConfig read(Path file) {
        return read(file, Path.of(""));
    }

    /** Reads the file; relative paths in it are resolved against {@code base}. */
    public static MicrosegConfig read(Path file, Path base) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new InputException(file.toString(), 0, null, null, "cannot read the configuration file: " + e);
        }
        return parse(file.toString(), text, base);
    }

    /** Parses configuration text; {@code file} only names it in errors. */
    public static MicrosegConfig parse(String file, String text, Path base) {
        MicrosegConfigReader reader = new MicrosegConfigReader(file, base);
        return reader.config(reader.tree(text));
    }

    // ---- YAML to a tree that remembers the line of every field ----

    private JsonNode tree(String text) {
        try (JsonParser p = YAML.getFactory().createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw error("", 0, "expected a mapping with inventory and policies, found an empty file");
            }
            int line = p.currentTokenLocation().getLineNr();
            JsonNode root = value(p, "");
            if (root.isNull()) throw error("", line, "expected a mapping with inventory and policies, found an empty file");
            if (!root.isObject()) throw error("", line, "expected a mapping with inventory and policies, found " + found(root));
            if (p.nextToken() != null) {
                throw error("", p.currentTokenLocation().getLineNr(), "expected one YAML document, found a second one");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new InputException(file, e.getLocation() == null ? 0 : e.getLocation().getLineNr(), null, null,
                    "malformed YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InputException(file, 0, null, null, "cannot read the configuration: " + e);
        }
    }

    private JsonNode value(JsonParser p, String path) throws IOException {
        lines.put(path, p.currentTokenLocation().getLineNr());
        if (p.currentToken() == JsonToken.START_OBJECT) {
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                String field = join(path, name);
                int line = p.currentTokenLocation().getLineNr();
                if (object.has(name)) throw error(field, line, "expected each field once, found " + name + " twice");
                p.nextToken();
                object.set(name, value(p, field));
                lines.put(field, line);
            }
            return object;
        }
        if (p.currentToken() == JsonToken.START_ARRAY) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) array.add(value(p, path + "[" + i + "]"));
            return array;
        }
        JsonNode scalar = YAML.readTree(p);
        return scalar == null ? JsonNodeFactory.instance.nullNode() : scalar;
    }

    // ---- the configuration ----

    private MicrosegConfig config(JsonNode root) {
        checkFields("", root, TOP_FIELDS);
        InventorySources inventory = inventory(root.path("inventory"));
        return new MicrosegConfig(inventory, policies(root.path("policies")), server(root.path("server"), inventory.kubernetes()),
                rules(root.path("rules")));
    }

    private MicrosegConfig.Rules rules(JsonNode node) {
        MicrosegConfig.Rules d = MicrosegConfig.Rules.DEFAULT;
        if (!present(node)) return d;
        if (!node.isObject()) throw error("rules", "expected a mapping with " + Wording.listed(RULES_FIELDS) + ", found " + found(node));
        checkFields("rules", node, RULES_FIELDS);
        java.time.Duration quiet = duration("rules.quietPeriod", node.path("quietPeriod"), d.quietPeriod());
        java.time.Duration poll = duration("rules.pollInterval", node.path("pollInterval"), d.pollInterval());
        java.time.Duration stall = duration("rules.stallAfter", node.path("stallAfter"), d.stallAfter());
        JsonNode shared = node.path("allowSharedFolder");
        if (present(shared) && !shared.isBoolean()) throw error("rules.allowSharedFolder", "expected true or false, found " + found(shared));
        return new MicrosegConfig.Rules(quiet, poll, shared.asBoolean(false), stall);
    }

    private MicrosegConfig.Server server(JsonNode node, List<KubernetesCluster> clusters) {
        MicrosegConfig.Server server = MicrosegConfig.Server.DEFAULT;
        if (!present(node)) return server;
        if (!node.isObject()) throw error("server", "expected a mapping with " + Wording.listed(SERVER_FIELDS) + ", found " + found(node));
        checkFields("server", node, SERVER_FIELDS);
        if (present(node.path("listen"))) {
            String text = string("server.listen", node.path("listen"), "HOST:PORT such as 127.0.0.1:8080");
            try {
                server = server.withListen(MicrosegConfig.Listen.parse(text));
            } catch (IllegalArgumentException e) {
                throw error("server.listen", e.getMessage());
            }
        }
        java.time.Duration bookmarks = present(node.path("bookmarkInterval"))
                ? duration("server.bookmarkInterval", node.path("bookmarkInterval")) : server.bookmarkInterval();
        JsonNode slow = node.path("slowConsumer");
        if (present(slow)) {
            if (!slow.isObject()) throw error("server.slowConsumer", "expected a mapping with maxPendingChanges and grace, found " + found(slow));
            checkFields("server.slowConsumer", slow, SLOW_CONSUMER_FIELDS);
            MicrosegConfig.SlowConsumer d = MicrosegConfig.SlowConsumer.DEFAULT;
            int max = positiveInt("server.slowConsumer.maxPendingChanges", slow.path("maxPendingChanges"), d.maxPendingChanges());
            java.time.Duration grace = present(slow.path("grace")) ? duration("server.slowConsumer.grace", slow.path("grace")) : d.grace();
            server = server.withSlowConsumer(new MicrosegConfig.SlowConsumer(max, grace));
        }
        MicrosegConfig.Http http = http(node.path("http"));
        if (http.idleTimeout().compareTo(bookmarks.multipliedBy(2)) < 0) {
            throw error(present(node.path("http").path("idleTimeout")) ? "server.http.idleTimeout" : "server.bookmarkInterval",
                    "expected server.http.idleTimeout (" + http.idleTimeout().toMillis() + " ms) to be at least twice server.bookmarkInterval ("
                            + bookmarks.toMillis() + " ms): a watch stream is idle between bookmarks and must not be closed as idle");
        }
        server = new MicrosegConfig.Server(server.listen(), server.auth(), bookmarks, server.slowConsumer(), http);
        MicrosegConfig.Auth auth = auth(node.path("auth"), clusters);
        if (auth.insecureNoAuth() && !server.listen().isLoopback()) {
            throw error("server.auth.insecureNoAuth", "expected insecureNoAuth only with a loopback listen address (127.0.0.1, ::1, localhost), "
                    + "found listen " + server.listen() + ": configure agent and operator tokens instead");
        }
        return server.withAuth(auth).withAgentStatus(agentStatus(node.path("agentStatus")))
                .withLeaderElection(leaderElection(node.path("leaderElection"))).withPreview(preview(node.path("preview")))
                .withWorkbench(workbench(node.path("workbench")));
    }

    private MicrosegConfig.Workbench workbench(JsonNode node) {
        MicrosegConfig.Workbench d = MicrosegConfig.Workbench.DEFAULT;
        if (!present(node)) return d;
        if (!node.isObject()) {
            throw error("server.workbench", "expected a mapping with " + Wording.listed(WORKBENCH_FIELDS) + ", found " + found(node));
        }
        checkFields("server.workbench", node, WORKBENCH_FIELDS);
        JsonNode secure = node.path("secureCookie");
        if (present(secure) && !secure.isBoolean()) throw error("server.workbench.secureCookie", "expected true or false, found " + found(secure));
        return new MicrosegConfig.Workbench(duration("server.workbench.sessionLifetime", node.path("sessionLifetime"), d.sessionLifetime()),
                positiveInt("server.workbench.maxSessions", node.path("maxSessions"), d.maxSessions()),
                present(secure) ? secure.asBoolean() : d.secureCookie());
    }

    private MicrosegConfig.Preview preview(JsonNode node) {
        MicrosegConfig.Preview d = MicrosegConfig.Preview.DEFAULT;
        if (!present(node)) return d;
        if (!node.isObject()) {
            throw error("server.preview", "expected a mapping with " + Wording.listed(PREVIEW_FIELDS) + ", found " + found(node));
        }
        checkFields("server.preview", node, PREVIEW_FIELDS);
        return new MicrosegConfig.Preview(positiveInt("server.preview.maxBodyBytes", node.path("maxBodyBytes"), d.maxBodyBytes()),
                positiveInt("server.preview.maxFlows", node.path("maxFlows"), (int) d.maxFlows()),
                positiveInt("server.preview.maxFlips", node.path("maxFlips"), (int) d.maxFlips()),
                duration("server.preview.timeout", node.path("timeout"), d.timeout()));
    }

    private MicrosegConfig.AgentStatus agentStatus(JsonNode node) {
        MicrosegConfig.AgentStatus d = MicrosegConfig.AgentStatus.DEFAULT;
        if (!present(node)) return d;
        if (!node.isObject()) {
            throw error("server.agentStatus", "expected a mapping with " + Wording.listed(AGENT_STATUS_FIELDS) + ", found " + found(node));
        }
        checkFields("server.agentStatus", node, AGENT_STATUS_FIELDS);
        return new MicrosegConfig.AgentStatus(positiveInt("server.agentStatus.maxBodyBytes", node.path("maxBodyBytes"), d.maxBodyBytes()),
                duration("server.agentStatus.staleAfter", node.path("staleAfter"), d.staleAfter()),
                positiveInt("server.agentStatus.maxAgents", node.path("maxAgents"), d.maxAgents()));
    }

    private MicrosegConfig.LeaderElection leaderElection(JsonNode node) {
        MicrosegConfig.LeaderElection d = MicrosegConfig.LeaderElection.DEFAULT;
        if (!present(node)) return d;
        String at = "server.leaderElection";
        if (!node.isObject()) throw error(at, "expected a mapping with " + Wording.listed(LEADER_FIELDS) + ", found " + found(node));
        checkFields(at, node, LEADER_FIELDS);
        JsonNode enabled = node.path("enabled");
        if (present(enabled) && !enabled.isBoolean()) throw error(at + ".enabled", "expected true or false, found " + found(enabled));
        Optional<String> namespace = present(node.path("namespace"))
                ? Optional.of(string(at + ".namespace", node.path("namespace"), "a Kubernetes namespace")) : Optional.empty();
        String name = present(node.path("name")) ? string(at + ".name", node.path("name"), "the Lease's name") : d.name();
        try {
            return new MicrosegConfig.LeaderElection(present(enabled) ? Optional.of(enabled.asBoolean()) : Optional.empty(), namespace, name,
                    duration(at + ".leaseDuration", node.path("leaseDuration"), d.leaseDuration()),
                    duration(at + ".renewDeadline", node.path("renewDeadline"), d.renewDeadline()),
                    duration(at + ".retryPeriod", node.path("retryPeriod"), d.retryPeriod()));
        } catch (IllegalArgumentException e) {
            throw error(at, "expected leaseDuration > renewDeadline > 1.2 x retryPeriod: " + e.getMessage());
        }
    }

    private MicrosegConfig.Http http(JsonNode node) {
        MicrosegConfig.Http d = MicrosegConfig.Http.DEFAULT;
        if (!present(node)) return d;
        if (!node.isObject()) throw error("server.http", "expected a mapping with " + Wording.listed(HTTP_FIELDS) + ", found " + found(node));
        checkFields("server.http", node, HTTP_FIELDS);
        java.time.Duration header = duration("server.http.headerTimeout", node.path("headerTimeout"), d.headerTimeout());
        java.time.Duration idle = duration("server.http.idleTimeout", node.path("idleTimeout"), d.idleTimeout());
        int max = positiveInt("server.http.maxConnections", node.path("maxConnections"), d.maxConnections());
        int unauthenticated = positiveInt("server.http.maxUnauthenticatedConnections", node.path("maxUnauthenticatedConnections"),
                Math.min(max, d.maxUnauthenticatedConnections()));
        if (unauthenticated > max) {
            throw error("server.http.maxUnauthenticatedConnections", "expected at most server.http.maxConnections (" + max + "), found " + unauthenticated);
        }
        int workers = positiveInt("server.http.workers", node.path("workers"), d.workers());
        java.time.Duration log = duration("server.http.errorLogInterval", node.path("errorLogInterval"), d.errorLogInterval());
        return new MicrosegConfig.Http(header, idle, max, unauthenticated, workers, log);
    }

    private int positiveInt(String field, JsonNode node, int otherwise) {
        if (!present(node)) return otherwise;
        if (!node.isInt() || node.asInt() <= 0) throw error(field, "expected a positive whole number, found " + found(node));
        return node.asInt();
    }

    private MicrosegConfig.Auth auth(JsonNode node, List<KubernetesCluster> clusters) {
        if (!present(node)) return MicrosegConfig.Auth.NONE;
        if (!node.isObject()) throw error("server.auth", "expected a mapping with " + Wording.listed(AUTH_FIELDS) + ", found " + found(node));
        checkFields("server.auth", node, AUTH_FIELDS);
        JsonNode insecure = node.path("insecureNoAuth");
        if (present(insecure) && !insecure.isBoolean()) throw error("server.auth.insecureNoAuth", "expected true or false, found " + found(insecure));
        Map<String, String> fieldByHash = new HashMap<>();
        List<MicrosegConfig.AgentToken> agents = new ArrayList<>();
        for (JsonNode entry : list("server.auth.agents", node.path("agents"), "{identity: node/<cluster>/<name>, tokenHash: \"sha256:...\"}")) {
            String at = "server.auth.agents[" + agents.size() + "]";
            if (!entry.isObject()) throw error(at, "expected a mapping with identity and tokenHash, found " + found(entry));
            checkFields(at, entry, AGENT_FIELDS);
            String identity = string(at + ".identity", entry.path("identity"), "node/<cluster>/<name> or host/<name>");
            if (!AGENT_IDENTITY.matcher(identity).matches()) {
                throw error(at + ".identity", "expected node/<cluster>/<name> or host/<name>, found \"" + identity + "\"");
            }
            agents.add(new MicrosegConfig.AgentToken(identity, tokenHash(at + ".tokenHash", entry.path("tokenHash"), fieldByHash)));
        }
        List<MicrosegConfig.OperatorToken> operators = new ArrayList<>();
        for (JsonNode entry : list("server.auth.operators", node.path("operators"), "{name: alice, tokenHash: \"sha256:...\"}")) {
            String at = "server.auth.operators[" + operators.size() + "]";
            if (!entry.isObject()) throw error(at, "expected a mapping with name and tokenHash, found " + found(entry));
            checkFields(at, entry, OPERATOR_FIELDS);
            String name = string(at + ".name", entry.path("name"), "the operator's name");
            operators.add(new MicrosegConfig.OperatorToken(name, tokenHash(at + ".tokenHash", entry.path("tokenHash"), fieldByHash)));
        }
        boolean none = insecure.asBoolean(false);
        if (none && (!agents.isEmpty() || !operators.isEmpty())) {
            throw error("server.auth.insecureNoAuth", "expected either insecureNoAuth: true or tokens, found both (tokens would be ignored)");
        }
        KubernetesAuth kubernetes = kubernetesAuth(node.path("kubernetes"), clusters);
        if (none && kubernetes.enabled()) {
            throw error("server.auth.insecureNoAuth", "expected either insecureNoAuth: true or kubernetes authentication, found both");
        }
        return new MicrosegConfig.Auth(none, agents, operators, kubernetes);
    }

    /**
     * {@code server.auth.kubernetes}: absent, off; present, on unless {@code enabled: false}. The cluster
     * defaults to the only {@code inventory.kubernetes} cluster, and so does the connection (its context and
     * kubeconfig) when neither is given; otherwise the in-cluster service account.
     */
    private KubernetesAuth kubernetesAuth(JsonNode node, List<KubernetesCluster> clusters) {
        String at = "server.auth.kubernetes";
        if (!present(node)) return KubernetesAuth.OFF;
        if (!node.isObject()) throw error(at, "expected a mapping with " + Wording.listed(KUBERNETES_AUTH_FIELDS) + ", found " + found(node));
        checkFields(at, node, KUBERNETES_AUTH_FIELDS);
        JsonNode on = node.path("enabled");
        if (present(on) && !on.isBoolean()) throw error(at + ".enabled", "expected true or false, found " + found(on));
        String cluster;
        if (present(node.path("cluster"))) {
            cluster = string(at + ".cluster", node.path("cluster"), "the cluster's name in node identities, such as prod");
            if (cluster.contains("/") || cluster.chars().anyMatch(Character::isWhitespace)) {
                throw error(at + ".cluster", "expected a cluster name without '/' or spaces, found \"" + cluster + "\"");
            }
        } else if (clusters.size() == 1) {
            cluster = clusters.get(0).cluster();
        } else {
            throw error(at + ".cluster", "expected the cluster's name in node identities (node/<cluster>/<node>): there is no default, since "
                    + "inventory.kubernetes lists " + clusters.size() + " clusters, not exactly one");
        }
        String audience = present(node.path("audience"))
                ? string(at + ".audience", node.path("audience"), "the audience of the agents' projected tokens, such as microseg")
                : KubernetesAuth.DEFAULT_AUDIENCE;
        List<String> accounts = new ArrayList<>();
        if (present(node.path("agentServiceAccounts"))) {
            List<JsonNode> entries = list(at + ".agentServiceAccounts", node.path("agentServiceAccounts"), "system:serviceaccount:<namespace>:<name>");
            for (int i = 0; i < entries.size(); i++) {
                String field = at + ".agentServiceAccounts[" + i + "]";
                String account = string(field, entries.get(i), "system:serviceaccount:<namespace>:<name>");
                if (!SERVICE_ACCOUNT.matcher(account).matches()) {
                    throw error(field, "expected system:serviceaccount:<namespace>:<name>, found \"" + account + "\"");
                }
                accounts.add(account);
            }
            if (accounts.isEmpty()) throw error(at + ".agentServiceAccounts", "expected at least one service account, found an empty list");
        } else {
            accounts.addAll(KubernetesAuth.DEFAULT_AGENT_SERVICE_ACCOUNTS);
        }
        KubernetesAuth.OperatorAccess operators = operatorAccess(node.path("operatorAccess"));
        java.time.Duration ttl = duration(at + ".cacheTTL", node.path("cacheTTL"), KubernetesAuth.DEFAULT_CACHE_TTL);
        java.time.Duration deniedTtl = duration(at + ".deniedCacheTTL", node.path("deniedCacheTTL"),
                ttl.compareTo(KubernetesAuth.DEFAULT_DENIED_CACHE_TTL) < 0 ? ttl : KubernetesAuth.DEFAULT_DENIED_CACHE_TTL);
        int size = positiveInt(at + ".cacheSize", node.path("cacheSize"), KubernetesAuth.DEFAULT_CACHE_SIZE);
        int pending = positiveInt(at + ".maxPendingReviews", node.path("maxPendingReviews"), KubernetesAuth.DEFAULT_MAX_PENDING_REVIEWS);
        java.time.Duration timeout = duration(at + ".timeout", node.path("timeout"), KubernetesAuth.DEFAULT_TIMEOUT);
        Optional<String> context = kubeconfigContext(at, node);
        Optional<Path> kubeconfig = kubeconfigFile(at, node);
        if (context.isEmpty() && kubeconfig.isEmpty()) {
            // the tokens are reviewed by the cluster that issued them: the inventory's connection to it, if any
            for (KubernetesCluster c : clusters) {
                if (c.cluster().equals(cluster)) {
                    context = c.context();
                    kubeconfig = c.kubeconfig();
                }
            }
        }
        return new KubernetesAuth(on.asBoolean(true), cluster, audience, accounts, operators, ttl, deniedTtl, size, pending, timeout,
                context, kubeconfig);
    }

    private KubernetesAuth.OperatorAccess operatorAccess(JsonNode node) {
        String at = "server.auth.kubernetes.operatorAccess";
        KubernetesAuth.OperatorAccess d = KubernetesAuth.OperatorAccess.DEFAULT;
        if (!present(node)) return d;
        if (!node.isObject()) throw error(at, "expected a mapping with " + Wording.listed(OPERATOR_ACCESS_FIELDS) + ", found " + found(node));
        checkFields(at, node, OPERATOR_ACCESS_FIELDS);
        JsonNode on = node.path("enabled");
        if (present(on) && !on.isBoolean()) throw error(at + ".enabled", "expected true or false, found " + found(on));
        // the core API group is the empty string, which a YAML "" gives
        String group = present(node.path("group")) ? textOrEmpty(at + ".group", node.path("group"), "an API group such as microseg.io") : d.group();
        String resource = present(node.path("resource")) ? string(at + ".resource", node.path("resource"), "a resource such as rules") : d.resource();
        String verb = present(node.path("verb")) ? string(at + ".verb", node.path("verb"), "a verb such as get") : d.verb();
        return new KubernetesAuth.OperatorAccess(on.asBoolean(d.enabled()), group, resource, verb);
    }

    private String textOrEmpty(String field, JsonNode node, String what) {
        if (!node.isTextual()) throw error(field, "expected " + what + ", found " + found(node));
        return node.asText().trim();
    }

    private List<JsonNode> list(String field, JsonNode node, String example) {
        if (!present(node)) return List.of();
        if (!node.isArray()) throw error(field, "expected a list of " + example + ", found " + found(node));
        List<JsonNode> entries = new ArrayList<>();
        node.forEach(entries::add);
        return entries;
    }

    private String tokenHash(String field, JsonNode node, Map<String, String> fieldByHash) {
        String hash = string(field, node, "sha256:<64 hex digits>, as `microseg hash-token` prints it");
        if (!TOKEN_HASH.matcher(hash).matches()) {
            throw error(field, "expected sha256:<64 lowercase hex digits>, as `microseg hash-token` prints it, found \""
                    + (hash.length() > 12 ? hash.substring(0, 12) + "..." : hash) + "\" (never put a token itself here)");
        }
        String other = fieldByHash.putIfAbsent(hash, field);
        if (other != null) throw error(field, "expected each token once, found the same token hash also at " + other);
        return hash;
    }

    /** The duration at {@code node}, or {@code absent} when the field is not there. */
    private java.time.Duration duration(String field, JsonNode node, java.time.Duration absent) {
        return present(node) ? duration(field, node) : absent;
    }

    private java.time.Duration duration(String field, JsonNode node) {
        String text = string(field, node, "a duration such as 10s, 500ms or 2m");
        try {
            return MicrosegConfig.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw error(field, e.getMessage());
        }
    }

    private InventorySources inventory(JsonNode node) {
        if (!present(node)) return new InventorySources(List.of(), List.of());
        if (!node.isObject()) throw error("inventory", "expected a mapping with folders and kubernetes, found " + found(node));
        checkFields("inventory", node, INVENTORY_FIELDS);
        return new InventorySources(folders("inventory.folders", node.path("folders")), clusters(node.path("kubernetes")));
    }

    private PolicySources policies(JsonNode node) {
        if (!present(node)) return new PolicySources(List.of());
        if (!node.isObject()) throw error("policies", "expected a mapping with folders, found " + found(node));
        checkFields("policies", node, POLICY_FIELDS);
        return new PolicySources(folders("policies.folders", node.path("folders")));
    }

    private List<Path> folders(String field, JsonNode node) {
        if (!present(node)) return List.of();
        if (!node.isArray()) throw error(field, "expected a list of folders such as [config/demo/inventory], found " + found(node));
        List<Path> folders = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) folders.add(path(field + "[" + i + "]", node.get(i), "a folder"));
        return folders;
    }

    private List<KubernetesCluster> clusters(JsonNode node) {
        String field = "inventory.kubernetes";
        if (!present(node)) return List.of();
        if (!node.isArray()) throw error(field, "expected a list of clusters, each a mapping with cluster, context, kubeconfig and workspaces, found " + found(node));
        List<KubernetesCluster> clusters = new ArrayList<>();
        Map<String, String> fieldByName = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String at = field + "[" + i + "]";
            JsonNode c = node.get(i);
            if (!c.isObject()) throw error(at, "expected a mapping with cluster, context, kubeconfig and workspaces, found " + found(c));
            checkFields(at, c, CLUSTER_FIELDS);
            String name = string(at + ".cluster", c.path("cluster"), "the cluster's name in microseg, such as prod");
            if (name.contains("/") || name.chars().anyMatch(Character::isWhitespace)) {
                throw error(at + ".cluster", "expected a cluster name without '/' or spaces, found \"" + name + "\"");
            }
            String other = fieldByName.putIfAbsent(name.toLowerCase(Locale.ROOT), at + ".cluster");
            if (other != null) throw error(at + ".cluster", "expected each cluster once, found " + name + " also at " + other);
            Optional<String> context = kubeconfigContext(at, c);
            Optional<Path> kubeconfig = kubeconfigFile(at, c);
            JsonNode ws = c.path("workspaces");
            if (present(ws) && !ws.isBoolean()) throw error(at + ".workspaces", "expected true or false, found " + found(ws));
            clusters.add(new KubernetesCluster(name, context, kubeconfig, ws.asBoolean(false)));
        }
        return clusters;
    }

    /** The optional {@code context} field of a Kubernetes connection at {@code at}. */
    private Optional<String> kubeconfigContext(String at, JsonNode node) {
        JsonNode v = node.path("context");
        return present(v) ? Optional.of(string(at + ".context", v, "a kubeconfig context name")) : Optional.empty();
    }

    /** The optional {@code kubeconfig} field of a Kubernetes connection at {@code at}. */
    private Optional<Path> kubeconfigFile(String at, JsonNode node) {
        JsonNode v = node.path("kubeconfig");
        return present(v) ? Optional.of(path(at + ".kubeconfig", v, "a kubeconfig file")) : Optional.empty();
    }

    private String string(String field, JsonNode node, String what) {
        if (!node.isTextual() || node.asText().isBlank()) {
            throw error(field, "expected " + what + (present(node) ? ", found " + found(node) : ""));
        }
        return node.asText().trim();
    }

    private Path path(String field, JsonNode node, String what) {
        String text = string(field, node, what);
        if (text.equals("~")) return Path.of(System.getProperty("user.home"));
        if (text.startsWith("~/")) return Path.of(System.getProperty("user.home")).resolve(text.substring(2));
        try {
            return base.resolve(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw error(field, "expected " + what + ", found the invalid path \"" + text + "\": " + e.getReason());
        }
    }

    // ---- errors ----

    /** An error at the field's line or, for a missing field, at the line of the mapping that lacks it. */
    private InputException error(String field, String expected) {
        String at = field;
        while (!lines.containsKey(at) && !at.isEmpty()) {
            int cut = Math.max(at.lastIndexOf('.'), at.lastIndexOf('['));
            at = cut < 0 ? "" : at.substring(0, cut);
        }
        return error(field, lines.getOrDefault(at, 0), expected);
    }

    private InputException error(String field, int line, String expected) {
        return new InputException(file, line, null, field.isEmpty() ? null : field, expected);
    }

    /** Unknown fields are refused so that a typo ("folder") is not silently a missing field. */
    private void checkFields(String path, JsonNode node, List<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                String hint = Wording.closest(f, known);
                throw error(join(path, f), "expected only " + Wording.listed(known) + (path.isEmpty() ? "" : " in " + path)
                        + ", found unknown field " + f + (hint == null ? "" : " (did you mean " + hint + "?)"));
            }
        }
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
