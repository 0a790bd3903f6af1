package io.microseg.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Which sources the engine reads, as {@code config/microseg.yaml} says (read by {@link MicrosegConfigReader}):
 * watched folders of inventory manifests, Kubernetes clusters read live, and watched folders of
 * Workspace documents. Relative paths are resolved against the current directory when read. The
 * {@code server} section configures {@code microseg serve}: where it listens and who may read what;
 * the {@code rules} section how it deploys the DRL folder it watches.
 */
public record MicrosegConfig(InventorySources inventory, PolicySources policies, Server server, Rules rules) {
    public static final Path DEFAULT_FILE = Path.of("config/microseg.yaml");

    public MicrosegConfig {
        Objects.requireNonNull(inventory, "inventory");
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(rules, "rules");
    }

    /** The default rules section. */
    public MicrosegConfig(InventorySources inventory, PolicySources policies, Server server) {
        this(inventory, policies, server, Rules.DEFAULT);
    }

    /** Sources with the default server section (loopback, no credentials configured). */
    public MicrosegConfig(InventorySources inventory, PolicySources policies) {
        this(inventory, policies, Server.DEFAULT);
    }

    /** Folders only: what {@code --inventory} and {@code --policies} on the command line give. */
    public static MicrosegConfig ofFolders(List<Path> inventoryFolders, List<Path> policyFolders) {
        return new MicrosegConfig(new InventorySources(inventoryFolders, List.of()), new PolicySources(policyFolders));
    }

    public MicrosegConfig withInventoryFolders(List<Path> folders) {
        return new MicrosegConfig(new InventorySources(folders, inventory.kubernetes()), policies, server, rules);
    }

    public MicrosegConfig withPolicyFolders(List<Path> folders) {
        return new MicrosegConfig(inventory, new PolicySources(folders), server, rules);
    }

    public MicrosegConfig withServer(Server server) {
        return new MicrosegConfig(inventory, policies, server, rules);
    }

    public MicrosegConfig withRules(Rules rules) {
        return new MicrosegConfig(inventory, policies, server, rules);
    }

    /**
     * {@code rules:} how {@code serve} deploys the DRL folder it watches (docs/rule-deploys.md).
     *
     * @param quietPeriod       a changed folder is deployed only once its content has stayed the same this long
     *                          (files still being copied are not a rule set)
     * @param pollInterval      how often the folder's content is read and digested, whatever the file system
     *                          reports (a folder replaced or swapped through a link is followed this way)
     * @param allowSharedFolder serve a rules folder or DRL file that others than the server's user (or root)
     *                          own or may write; by default refused, since whoever writes DRL runs code as the server
     * @param stallAfter        the engine working this long without a rule finishing is reported as stalled
     *                          (log, metric, {@code /healthz} 503)
     */
    public record Rules(Duration quietPeriod, Duration pollInterval, boolean allowSharedFolder, Duration stallAfter) {
        public static final Rules DEFAULT = new Rules(Duration.ofSeconds(2), Duration.ofSeconds(5), false, Duration.ofSeconds(30));

        public Rules {
            Http.positive("rules.quietPeriod", quietPeriod);
            Http.positive("rules.pollInterval", pollInterval);
            Http.positive("rules.stallAfter", stallAfter);
        }

        public Rules withAllowSharedFolder(boolean allow) {
            return new Rules(quietPeriod, pollInterval, allow, stallAfter);
        }

        public Rules withQuietPeriod(Duration d) {
            return new Rules(d, pollInterval, allowSharedFolder, stallAfter);
        }

        public Rules withPollInterval(Duration d) {
            return new Rules(quietPeriod, d, allowSharedFolder, stallAfter);
        }

        public Rules withStallAfter(Duration d) {
            return new Rules(quietPeriod, pollInterval, allowSharedFolder, d);
        }
    }

    /** {@code inventory:} watched folders of manifests, and clusters read live. */
    public record InventorySources(List<Path> folders, List<KubernetesCluster> kubernetes) {
        public InventorySources {
            folders = List.copyOf(folders);
            kubernetes = List.copyOf(kubernetes);
        }
    }

    /**
     * One cluster read live with informers.
     *
     * @param cluster    its name in microseg ({@code orchestrator_system/cluster_name})
     * @param context    the kubeconfig context; empty: the in-cluster service account
     * @param kubeconfig the kubeconfig file; empty: {@code $KUBECONFIG} or {@code ~/.kube/config}
     * @param workspaces whether microseg.io/v1 Workspace custom resources are read too
     */
    public record KubernetesCluster(String cluster, Optional<String> context, Optional<Path> kubeconfig, boolean workspaces) {
        public KubernetesCluster {
            Objects.requireNonNull(cluster, "cluster");
            Objects.requireNonNull(context, "context");
            Objects.requireNonNull(kubeconfig, "kubeconfig");
        }
    }

    /** {@code policies:} watched folders of Workspace documents. */
    public record PolicySources(List<Path> folders) {
        public PolicySources {
            folders = List.copyOf(folders);
        }
    }

    /**
     * {@code server:} how {@code microseg serve} listens and authenticates.
     *
     * @param listen           the address and port (port 0: any free port)
     * @param auth             the tokens, or the explicit choice of no authentication on loopback
     * @param bookmarkInterval how often an idle stream gets a bookmark (its heartbeat)
     * @param slowConsumer     when a watch stream whose client does not keep up is closed
     * @param http             the connection and request limits that keep the server up whatever clients do
     * @param agentStatus      how the agents' status reports are taken and judged
     * @param leaderElection   which replica does the work that must happen once (Workspace status)
     * @param preview          the limits of {@code POST /v1/preview}
     * @param workbench        the web workbench's sign-in sessions
     */
    public record Server(Listen listen, Auth auth, Duration bookmarkInterval, SlowConsumer slowConsumer, Http http,
                         AgentStatus agentStatus, LeaderElection leaderElection, Preview preview, Workbench workbench) {
        public static final Listen DEFAULT_LISTEN = new Listen("127.0.0.1", 8080);
        public static final Duration DEFAULT_BOOKMARK_INTERVAL = Duration.ofSeconds(10);
        public static final Server DEFAULT = new Server(DEFAULT_LISTEN, Auth.NONE, DEFAULT_BOOKMARK_INTERVAL, SlowConsumer.DEFAULT);

        public Server {
            Objects.requireNonNull(listen, "listen");
            Objects.requireNonNull(auth, "auth");
            Objects.requireNonNull(slowConsumer, "slowConsumer");
            Objects.requireNonNull(http, "http");
            Objects.requireNonNull(agentStatus, "agentStatus");
            Objects.requireNonNull(leaderElection, "leaderElection");
            Objects.requireNonNull(preview, "preview");
            Objects.requireNonNull(workbench, "workbench");
            if (bookmarkInterval.isNegative() || bookmarkInterval.isZero()) throw new IllegalArgumentException("bookmarkInterval must be positive");
            if (http.idleTimeout().compareTo(bookmarkInterval.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("http.idleTimeout (" + http.idleTimeout().toMillis() + " ms) must be at least twice "
                        + "bookmarkInterval (" + bookmarkInterval.toMillis() + " ms): a watch stream writes a bookmark every interval "
                        + "and must never look idle");
            }
        }

        /** The default agent status, leader election, preview and workbench settings. */
        public Server(Listen listen, Auth auth, Duration bookmarkInterval, SlowConsumer slowConsumer, Http http) {
            this(listen, auth, bookmarkInterval, slowConsumer, http, AgentStatus.DEFAULT, LeaderElection.DEFAULT, Preview.DEFAULT,
                    Workbench.DEFAULT);
        }

        /** The default HTTP limits. */
        public Server(Listen listen, Auth auth, Duration bookmarkInterval, SlowConsumer slowConsumer) {
            this(listen, auth, bookmarkInterval, slowConsumer, Http.DEFAULT);
        }

        public Server withListen(Listen l) {
            return new Server(l, auth, bookmarkInterval, slowConsumer, http, agentStatus, leaderElection, preview, workbench);
        }

        public Server withAuth(Auth a) {
            return new Server(listen, a, bookmarkInterval, slowConsumer, http, agentStatus, leaderElection, preview, workbench);
        }

        public Server withBookmarkInterval(Duration d) {
            return new Server(listen, auth, d, slowConsumer, http, agentStatus, leaderElection, preview, workbench);
        }

        public Server withSlowConsumer(SlowConsumer s) {
            return new Server(listen, auth, bookmarkInterval, s, http, agentStatus, leaderElection, preview, workbench);
        }

        public Server withHttp(Http h) {
            return new Server(listen, auth, bookmarkInterval, slowConsumer, h, agentStatus, leaderElection, preview, workbench);
        }

        public Server withAgentStatus(AgentStatus a) {
            return new Server(listen, auth, bookmarkInterval, slowConsumer, http, a, leaderElection, preview, workbench);
        }

        public Server withLeaderElection(LeaderElection l) {
            return new Server(listen, auth, bookmarkInterval, slowConsumer, http, agentStatus, l, preview, workbench);
        }

        public Server withPreview(Preview p) {
            return new Server(listen, auth, bookmarkInterval, slowConsumer, http, agentStatus, leaderElection, p, workbench);
        }

        public Server withWorkbench(Workbench w) {
            return new Server(listen, auth, bookmarkInterval, slowConsumer, http, agentStatus, leaderElection, preview, w);
        }
    }

    /**
     * {@code server.preview:} the limits of {@code POST /v1/preview}, which compiles candidate policies or
     * DRL against the live state and traces flows on both sides (docs/diff.md). Each preview holds a
     * worker thread and a second compile in memory: the limits keep one request from taking the server.
     *
     * @param maxBodyBytes  a larger request is refused (413) unread
     * @param maxFlows      flows traced per side (one per port and pair of classes) beyond which the preview
     *                      stops and answers 422: narrow it with from, to or ports
     * @param maxFlips      flips listed in the answer; beyond it the list is cut ({@code "truncated":true}), the
     *                      summary still counts every flip
     * @param timeout       a preview still computing after this answers 503 and stops at its next flow
     */
    public record Preview(int maxBodyBytes, long maxFlows, long maxFlips, Duration timeout) {
        public static final Preview DEFAULT = new Preview(1024 * 1024, 200_000, 100_000, Duration.ofSeconds(30));

        public Preview {
            if (maxBodyBytes <= 0) throw new IllegalArgumentException("preview.maxBodyBytes must be positive");
            if (maxFlows <= 0) throw new IllegalArgumentException("preview.maxFlows must be positive");
            if (maxFlips <= 0) throw new IllegalArgumentException("preview.maxFlips must be positive");
            Http.positive("preview.timeout", timeout);
        }
    }

    /**
     * {@code server.workbench:} the sign-in sessions of the web workbench (docs/workbench.md). An operator
     * signs in with a token once and the browser then holds a session cookie (HttpOnly, SameSite=Strict).
     *
     * @param sessionLifetime a session ends this long after sign-in, whatever its use (and no later than the
     *                        token's own expiry, for a Kubernetes token); the operator signs in again
     * @param maxSessions     sessions kept at once; a sign-in beyond it ends the session that would end first
     * @param secureCookie    mark the cookie Secure, so that the browser sends it over HTTPS only: set it when
     *                        a TLS proxy is in front (the server itself speaks plain HTTP)
     */
    public record Workbench(Duration sessionLifetime, int maxSessions, boolean secureCookie) {
        public static final Workbench DEFAULT = new Workbench(Duration.ofHours(8), 1000, false);

        public Workbench {
            Http.positive("workbench.sessionLifetime", sessionLifetime);
            if (maxSessions <= 0) throw new IllegalArgumentException("workbench.maxSessions must be positive");
        }
    }

    /**
     * {@code server.agentStatus:} the reports agents {@code PUT} after each apply and every status interval
     * (docs/status.md).
     *
     * @param maxBodyBytes a larger report is refused (413) unread
     * @param staleAfter   a report older than this no longer counts as in sync (three of the agents' default
     *                     30 s status intervals: one lost report is not an alarm)
     * @param maxAgents    identities this replica keeps reports for; a report from a new identity beyond it is
     *                     refused (503), so that no client can grow the server's memory without bound
     */
    public record AgentStatus(int maxBodyBytes, Duration staleAfter, int maxAgents) {
        public static final AgentStatus DEFAULT = new AgentStatus(256 * 1024, Duration.ofSeconds(90), 10_000);

        public AgentStatus {
            if (maxBodyBytes <= 0) throw new IllegalArgumentException("agentStatus.maxBodyBytes must be positive");
            if (maxAgents <= 0) throw new IllegalArgumentException("agentStatus.maxAgents must be positive");
            Http.positive("agentStatus.staleAfter", staleAfter);
        }
    }

    /**
     * {@code server.leaderElection:} a Kubernetes {@code Lease} names the one replica that writes the status
     * of Workspace custom resources. Only when the server reads a cluster: without one, the single process
     * is the leader.
     *
     * @param enabled       empty: on exactly when {@code inventory.kubernetes} lists a cluster
     * @param namespace     the Lease's namespace; empty: the client's namespace (the pod's, in a cluster)
     * @param name          the Lease's name
     * @param leaseDuration how long a leader that stopped renewing still holds the Lease
     * @param renewDeadline a leader that cannot renew within this stops leading
     * @param retryPeriod   how often candidates try to acquire, and the leader to renew
     */
    public record LeaderElection(Optional<Boolean> enabled, Optional<String> namespace, String name, Duration leaseDuration,
                                 Duration renewDeadline, Duration retryPeriod) {
        public static final LeaderElection DEFAULT = new LeaderElection(Optional.empty(), Optional.empty(), "microseg-server",
                Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));

        public LeaderElection {
            Objects.requireNonNull(enabled, "enabled");
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(name, "name");
            Http.positive("leaderElection.leaseDuration", leaseDuration);
            Http.positive("leaderElection.renewDeadline", renewDeadline);
            Http.positive("leaderElection.retryPeriod", retryPeriod);
            if (leaseDuration.compareTo(renewDeadline) <= 0) {
                throw new IllegalArgumentException("leaderElection.leaseDuration must be longer than renewDeadline");
            }
            // fabric8 waits up to 1.2 retry periods between attempts: a renewal must fit in the deadline
            if (renewDeadline.compareTo(retryPeriod.multipliedBy(12).dividedBy(10)) <= 0) {
                throw new IllegalArgumentException("leaderElection.renewDeadline must be longer than 1.2 x retryPeriod");
            }
        }

        /** Whether to elect a leader, given whether the server reads a live cluster. */
        public boolean enabled(boolean readsKubernetes) {
            return enabled.orElse(readsKubernetes);
        }
    }

    /**
     * {@code server.http:} limits on connections and requests, so that no client, authenticated or not,
     * can exhaust the server or lock the agents out.
     *
     * @param headerTimeout       a new connection must send a complete request head within this, or it is closed
     *                            (slowloris)
     * @param idleTimeout         a connection with no request in progress is closed after this; also the
     *                            longest silence (no byte either way) on any connection. Watch streams are
     *                            exempt from the first and write a bookmark every bookmarkInterval, so it must
     *                            be at least twice that
     * @param maxConnections      open connections in all; beyond it the oldest connection that has not made an
     *                            authenticated request and has none in progress is closed, or else the new one
     * @param maxUnauthenticatedConnections connections that have not made an authenticated request yet (new
     *                            ones, probes, scrapers); beyond it the oldest idle one of them is closed, or
     *                            else the new one: a flood of silent connections cannot fill the server
     * @param workers             threads for the operators' reads (trace, warnings, explain, workload rules) and
     *                            the metrics scrape, which must not run on the event loop that carries the
     *                            watch streams; requests beyond them wait in line
     * @param errorLogInterval    malformed requests and internal errors are logged at most once per interval
     *                            for each kind, with the number not logged
     */
    public record Http(Duration headerTimeout, Duration idleTimeout, int maxConnections, int maxUnauthenticatedConnections,
                       int workers, Duration errorLogInterval) {
        public static final Http DEFAULT = new Http(Duration.ofSeconds(10), Duration.ofSeconds(60), 10_000, 1_000, 4,
                Duration.ofSeconds(10));

        public Http {
            positive("headerTimeout", headerTimeout);
            positive("idleTimeout", idleTimeout);
            positive("errorLogInterval", errorLogInterval);
            if (maxConnections <= 0) throw new IllegalArgumentException("maxConnections must be positive");
            if (maxUnauthenticatedConnections <= 0 || maxUnauthenticatedConnections > maxConnections) {
                throw new IllegalArgumentException("maxUnauthenticatedConnections must be positive and at most maxConnections ("
                        + maxConnections + ")");
            }
            if (workers <= 0) throw new IllegalArgumentException("workers must be positive");
        }

        static void positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
        }
    }

    /** {@code HOST:PORT}; an IPv6 host in brackets ({@code [::1]:8080}). */
    public record Listen(String host, int port) {
        public Listen {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port);
        }

        /** Parses {@code HOST:PORT}; the message of the exception says what was expected. */
        public static Listen parse(String text) {
            String t = text == null ? "" : text.trim();
            int colon = t.lastIndexOf(':');
            String expected = "expected HOST:PORT such as 127.0.0.1:8080 (port 0: any free port), found \"" + t + "\"";
            if (colon <= 0 || colon == t.length() - 1) throw new IllegalArgumentException(expected);
            String host = t.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            else if (host.contains(":")) throw new IllegalArgumentException(expected + " (an IPv6 address goes in brackets: [::1]:8080)");
            if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) throw new IllegalArgumentException(expected);
            int port;
            try {
                port = Integer.parseInt(t.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(expected);
            }
            if (port < 0 || port > 65535) throw new IllegalArgumentException("expected a port between 0 and 65535, found " + port);
            return new Listen(host, port);
        }

        /** Whether the address is on this machine only (127.0.0.0/8, ::1, localhost): no one else can connect. */
        public boolean isLoopback() {
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) {
                    if (!a.isLoopbackAddress()) return false;
                }
                return true;
            } catch (UnknownHostException e) {
                return false;
            }
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * {@code server.auth:} bearer tokens, stored as {@code sha256:<hex>} hashes, and tokens the Kubernetes
     * API server vouches for ({@link KubernetesAuth}). Agents read only their own rules; operators read
     * everything. {@code insecureNoAuth} lets anyone read anything, and is only accepted on a loopback address.
     */
    public record Auth(boolean insecureNoAuth, List<AgentToken> agents, List<OperatorToken> operators, KubernetesAuth kubernetes) {
        public static final Auth NONE = new Auth(false, List.of(), List.of());
        public static final Auth INSECURE = new Auth(true, List.of(), List.of());

        public Auth {
            agents = List.copyOf(agents);
            operators = List.copyOf(operators);
            Objects.requireNonNull(kubernetes, "kubernetes");
            if (insecureNoAuth && kubernetes.enabled()) throw new IllegalArgumentException("insecureNoAuth and kubernetes exclude each other");
        }

        /** Static tokens only. */
        public Auth(boolean insecureNoAuth, List<AgentToken> agents, List<OperatorToken> operators) {
            this(insecureNoAuth, agents, operators, KubernetesAuth.OFF);
        }

        /** Whether any credential, or the explicit choice of none, is configured. */
        public boolean configured() {
            return insecureNoAuth || !agents.isEmpty() || !operators.isEmpty() || kubernetes.enabled();
        }
    }

    /** An agent's token: {@code identity} is {@code node/<cluster>/<name>} or {@code host/<name>}. */
    public record AgentToken(String identity, String tokenHash) {}

    /** An operator's token: {@code name} only says whose it is, in logs. */
    public record OperatorToken(String name, String tokenHash) {}

    /**
     * {@code server.slowConsumer:} a watch stream is closed (the agent resumes with {@code since}) when the
     * changes waiting for it exceed {@code maxPendingChanges} (rules, rule ids and set members, after
     * coalescing) or when its client has not read for {@code grace}.
     */
    public record SlowConsumer(int maxPendingChanges, Duration grace) {
        public static final SlowConsumer DEFAULT = new SlowConsumer(100_000, Duration.ofSeconds(30));

        public SlowConsumer {
            if (maxPendingChanges <= 0) throw new IllegalArgumentException("maxPendingChanges must be positive");
            if (grace.isNegative() || grace.isZero()) throw new IllegalArgumentException("grace must be positive");
        }
    }

    /** {@code 10s}, {@code 500ms}, {@code 2m}; the exception's message says what was expected. */
    public static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)").matcher(t);
        if (!m.matches()) throw new IllegalArgumentException("expected a duration such as 10s, 500ms or 2m, found \"" + text + "\"");
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.isZero()) throw new IllegalArgumentException("expected a duration above zero, found \"" + text + "\"");
        return d;
    }
}
