package io.microseg.config;

import io.microseg.config.MicrosegConfig.KubernetesCluster;
import io.microseg.input.InputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class MicrosegConfigReaderTest {
    private static final Path BASE = Path.of("/srv/microseg");

    @TempDir
    Path dir;

    @Test
    void theDemoConfigurationWatchesTheDemoFolders() {
        MicrosegConfig c = MicrosegConfigReader.read(MicrosegConfig.DEFAULT_FILE);

        assertThat(c.inventory().folders()).containsExactly(Path.of("config/demo/inventory"));
        assertThat(c.inventory().kubernetes()).isEmpty();
        assertThat(c.policies().folders()).containsExactly(Path.of("config/demo/policies"));
        // Relative to the current directory, which is where the tests run: the folders are there.
        assertThat(c.inventory().folders().get(0)).isDirectory();
        assertThat(c.policies().folders().get(0)).isDirectory();
    }

    @Test
    void theCommentedKubernetesExampleIsValid() throws IOException {
        String demo = Files.readString(MicrosegConfig.DEFAULT_FILE);
        String uncommented = demo.replace("  # kubernetes:", "  kubernetes:").replaceAll("(?m)^  #   ", "    ");
        MicrosegConfig c = MicrosegConfigReader.parse("microseg.yaml", uncommented, BASE);

        assertThat(c.inventory().kubernetes()).containsExactly(new KubernetesCluster("prod", Optional.of("prod-admin"),
                Optional.of(Path.of("/path/to/kubeconfig")), true));
    }

    @Test
    void everyFieldRead() {
        MicrosegConfig c = parse("""
                inventory:
                  folders: [inv, /abs/inv, "~/inv"]
                  kubernetes:
                    - cluster: prod
                      context: prod-admin
                      kubeconfig: kube/config
                      workspaces: true
                    - cluster: in-cluster
                policies:
                  folders:
                    - pol
                """);

        assertThat(c.inventory().folders()).containsExactly(BASE.resolve("inv"), Path.of("/abs/inv"),
                Path.of(System.getProperty("user.home"), "inv"));
        assertThat(c.inventory().kubernetes()).containsExactly(
                new KubernetesCluster("prod", Optional.of("prod-admin"), Optional.of(BASE.resolve("kube/config")), true),
                new KubernetesCluster("in-cluster", Optional.empty(), Optional.empty(), false));
        assertThat(c.policies().folders()).containsExactly(BASE.resolve("pol"));
    }

    @Test
    void sectionsAreOptional() {
        MicrosegConfig c = parse("policies: {folders: [p]}\n");
        assertThat(c.inventory().folders()).isEmpty();
        assertThat(c.inventory().kubernetes()).isEmpty();
        assertThat(c.policies().folders()).containsExactly(BASE.resolve("p"));

        MicrosegConfig empty = parse("inventory:\npolicies:\n");
        assertThat(empty).isEqualTo(MicrosegConfig.ofFolders(List.of(), List.of()));
    }

    @Test
    void relativePathsResolveAgainstTheCurrentDirectoryByDefault() throws IOException {
        Path file = Files.writeString(dir.resolve("microseg.yaml"), "inventory: {folders: [inv]}\n");
        MicrosegConfig c = MicrosegConfigReader.read(file);
        assertThat(c.inventory().folders().get(0)).isEqualTo(Path.of("inv"));
        assertThat(c.inventory().folders().get(0).toAbsolutePath()).isEqualTo(Path.of("").toAbsolutePath().resolve("inv"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown top field, with a hint    | inventory: {folders: [a]}\\npolices: {folders: [b]}                 | 2 | polices                         | expected only inventory, policies, server and rules, found unknown field polices (did you mean policies?)
            unknown inventory field           | inventory:\\n  folder: [a]                                           | 2 | inventory.folder                | expected only folders and kubernetes in inventory, found unknown field folder (did you mean folders?)
            folders not a list                | inventory:\\n  folders: config/demo/inventory                        | 2 | inventory.folders               | expected a list of folders such as [config/demo/inventory], found "config/demo/inventory"
            folder not a string               | policies:\\n  folders:\\n    - a\\n    - {x: 1}                    | 4 | policies.folders[1]             | expected a folder, found a mapping
            blank folder                      | policies: {folders: [""]}                                              | 1 | policies.folders[0]             | expected a folder, found ""
            inventory not a mapping           | inventory: [a]                                                         | 1 | inventory                       | expected a mapping with folders and kubernetes, found a list
            policies not a mapping            | policies: config/demo/policies                                         | 1 | policies                        | expected a mapping with folders, found "config/demo/policies"
            kubernetes not a list             | inventory:\\n  kubernetes: {cluster: prod}                           | 2 | inventory.kubernetes            | expected a list of clusters
            cluster missing                   | inventory:\\n  kubernetes:\\n    - context: prod-admin             | 3 | inventory.kubernetes[0].cluster | expected the cluster's name in microseg, such as prod
            cluster with a slash              | inventory:\\n  kubernetes:\\n    - cluster: a/b                    | 3 | inventory.kubernetes[0].cluster | expected a cluster name without '/' or spaces, found "a/b"
            cluster twice                     | inventory:\\n  kubernetes:\\n    - cluster: prod\\n    - cluster: PROD | 4 | inventory.kubernetes[1].cluster | expected each cluster once, found PROD also at inventory.kubernetes[0].cluster
            unknown cluster field             | inventory:\\n  kubernetes:\\n    - cluster: prod\\n      namespace: x | 4 | inventory.kubernetes[0].namespace | expected only cluster, context, kubeconfig and workspaces in inventory.kubernetes[0], found unknown field namespace
            context not a string              | inventory:\\n  kubernetes:\\n    - {cluster: prod, context: [a]}     | 3 | inventory.kubernetes[0].context | expected a kubeconfig context name, found a list
            workspaces not a boolean          | inventory:\\n  kubernetes:\\n    - cluster: prod\\n      workspaces: "yes" | 4 | inventory.kubernetes[0].workspaces | expected true or false, found "yes"
            kubeconfig a number               | inventory:\\n  kubernetes:\\n    - {cluster: prod, kubeconfig: 3}    | 3 | inventory.kubernetes[0].kubeconfig | expected a kubeconfig file, found 3
            field twice                       | policies: {folders: [a]}\\npolicies: {folders: [b]}                   | 2 | policies                        | expected each field once, found policies twice
            server not a mapping              | server: 8080                                                           | 1 | server                          | expected a mapping with listen, bookmarkInterval, slowConsumer, http, auth, agentStatus, leaderElection, preview and workbench, found 8080
            listen without a port             | server: {listen: "127.0.0.1"}                                         | 1 | server.listen                   | expected HOST:PORT such as 127.0.0.1:8080
            listen port too big               | server: {listen: "127.0.0.1:70000"}                                   | 1 | server.listen                   | expected a port between 0 and 65535, found 70000
            bad bookmark interval             | server: {bookmarkInterval: soon}                                      | 1 | server.bookmarkInterval         | expected a duration such as 10s, 500ms or 2m, found "soon"
            bad grace                         | server:\\n  slowConsumer: {grace: 0s}                                 | 2 | server.slowConsumer.grace       | expected a duration above zero
            bad max pending                   | server:\\n  slowConsumer: {maxPendingChanges: -1}                     | 2 | server.slowConsumer.maxPendingChanges | expected a positive whole number, found -1
            http not a mapping                | server: {http: 5}                                                      | 1 | server.http                     | expected a mapping with headerTimeout, idleTimeout, maxConnections, maxUnauthenticatedConnections, workers and errorLogInterval, found 5
            unknown http field                | server:\\n  http: {timeout: 5s}                                      | 2 | server.http.timeout             | expected only headerTimeout, idleTimeout
            bad header timeout                | server:\\n  http: {headerTimeout: 0s}                                | 2 | server.http.headerTimeout       | expected a duration above zero
            bad max connections               | server:\\n  http: {maxConnections: 0}                                | 2 | server.http.maxConnections      | expected a positive whole number, found 0
            bad workers                       | server:\\n  http: {workers: many}                                    | 2 | server.http.workers             | expected a positive whole number, found "many"
            unauthenticated above the total   | server:\\n  http: {maxConnections: 10, maxUnauthenticatedConnections: 20} | 2 | server.http.maxUnauthenticatedConnections | expected at most server.http.maxConnections (10), found 20
            idle timeout under two bookmarks  | server:\\n  bookmarkInterval: 40s\\n  http: {idleTimeout: 60s}        | 3 | server.http.idleTimeout         | expected server.http.idleTimeout (60000 ms) to be at least twice server.bookmarkInterval (40000 ms)
            bookmarks too slow for the idle default | server: {bookmarkInterval: 31s}                                  | 1 | server.bookmarkInterval         | to be at least twice server.bookmarkInterval (31000 ms)
            unknown auth field                | server:\\n  auth: {insecure: true}                                    | 2 | server.auth.insecure            | expected only insecureNoAuth, agents, operators and kubernetes in server.auth
            a token instead of its hash       | server:\\n  auth:\\n    operators: [{name: a, tokenHash: s3cret-token}] | 3 | server.auth.operators[0].tokenHash | expected sha256:<64 lowercase hex digits>, as `microseg hash-token` prints it, found "s3cret-token" (never put a token itself here)
            a bad agent identity              | server:\\n  auth:\\n    agents: [{identity: pod/a/b/c, tokenHash: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}] | 3 | server.auth.agents[0].identity | expected node/<cluster>/<name> or host/<name>, found "pod/a/b/c"
            the same token twice              | server:\\n  auth:\\n    agents: [{identity: host/a, tokenHash: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}]\\n    operators: [{name: b, tokenHash: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}] | 4 | server.auth.operators[0].tokenHash | expected each token once, found the same token hash also at server.auth.agents[0].tokenHash
            no auth and tokens                | server:\\n  auth:\\n    insecureNoAuth: true\\n    operators: [{name: b, tokenHash: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}] | 3 | server.auth.insecureNoAuth | expected either insecureNoAuth: true or tokens, found both
            no auth off loopback              | server:\\n  listen: 0.0.0.0:8080\\n  auth: {insecureNoAuth: true}      | 3 | server.auth.insecureNoAuth      | expected insecureNoAuth only with a loopback listen address
            k8s auth without a cluster        | server:\\n  auth:\\n    kubernetes: {audience: microseg}        | 3 | server.auth.kubernetes.cluster  | there is no default, since inventory.kubernetes lists 0 clusters, not exactly one
            k8s auth unknown field            | server:\\n  auth:\\n    kubernetes: {cluster: c, audiences: [a]} | 3 | server.auth.kubernetes.audiences | (did you mean audience?)
            k8s agent account not an account  | server:\\n  auth:\\n    kubernetes:\\n      cluster: c\\n      agentServiceAccounts: [microseg-agent] | 5 | server.auth.kubernetes.agentServiceAccounts[0] | expected system:serviceaccount:<namespace>:<name>, found "microseg-agent"
            k8s bad cache TTL                 | server:\\n  auth:\\n    kubernetes: {cluster: c, cacheTTL: 0s}   | 3 | server.auth.kubernetes.cacheTTL | expected a duration above zero
            k8s bad cache size                | server:\\n  auth:\\n    kubernetes: {cluster: c, cacheSize: 0}   | 3 | server.auth.kubernetes.cacheSize | expected a positive whole number, found 0
            k8s operator access not a mapping | server:\\n  auth:\\n    kubernetes: {cluster: c, operatorAccess: yes} | 3 | server.auth.kubernetes.operatorAccess | expected a mapping with enabled, group, resource and verb
            k8s auth and no auth              | server:\\n  auth:\\n    insecureNoAuth: true\\n    kubernetes: {cluster: c} | 3 | server.auth.insecureNoAuth | expected either insecureNoAuth: true or kubernetes authentication, found both
            rules not a mapping               | rules: [a]                                                             | 1 | rules                           | expected a mapping with quietPeriod, pollInterval, allowSharedFolder and stallAfter, found a list
            unknown rules field               | rules:\\n  quiet: 2s                                                 | 2 | rules.quiet                     | expected only quietPeriod, pollInterval, allowSharedFolder and stallAfter in rules, found unknown field quiet
            bad quiet period                  | rules:\\n  quietPeriod: 0s                                           | 2 | rules.quietPeriod               | expected a duration above zero
            bad poll interval                 | rules:\\n  pollInterval: often                                       | 2 | rules.pollInterval              | expected a duration such as 10s, 500ms or 2m, found "often"
            bad stall bound                   | rules:\\n  stallAfter: 30                                            | 2 | rules.stallAfter                | expected a duration such as 10s, 500ms or 2m
            shared folder not a boolean       | rules:\\n  allowSharedFolder: "yes"                                  | 2 | rules.allowSharedFolder         | expected true or false, found "yes"
            """)
    void badConfigurationNamesFileLineFieldAndExpectation(String what, String yaml, int line, String field, String expected) {
        InputException e = parseFails(yaml.replace("\\n", "\n"));
        assertThat(e.file()).isEqualTo("microseg.yaml");
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.line()).isEqualTo(line);
        assertThat(e.expected()).contains(expected);
        assertThat(e.getMessage()).startsWith("microseg.yaml:" + line + ": field " + field + ": ");
    }

    @Test
    void kubernetesAuthenticationDefaultsToTheOnlyInventoryClusterItsConnectionAndSafeLimits() {
        var k = MicrosegConfigReader.parse("microseg.yaml", """
                inventory:
                  kubernetes: [{cluster: prod, context: prod-admin}]
                server:
                  auth:
                    kubernetes: {}
                """, Path.of("")).server().auth().kubernetes();
        assertThat(k.enabled()).isTrue();
        assertThat(k.cluster()).isEqualTo("prod");
        assertThat(k.context()).hasValue("prod-admin");
        assertThat(k.audience()).isEqualTo("microseg");
        assertThat(k.agentServiceAccounts()).containsExactly("system:serviceaccount:microseg:microseg-agent");
        assertThat(k.operatorAccess()).isEqualTo(new KubernetesAuth.OperatorAccess(true, "microseg.io", "rules", "get"));
        assertThat(k.cacheTTL()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(k.deniedCacheTTL()).isLessThan(k.cacheTTL());
        assertThat(k.cacheSize()).isEqualTo(10_000);
        assertThat(k.timeout()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(MicrosegConfigReader.parse("microseg.yaml", "server: {listen: '127.0.0.1:0'}", Path.of("")).server().auth().kubernetes().enabled())
                .isFalse();
    }

    @Test
    void theDemoServerListensOnLoopbackWithoutAuthenticationSaidExplicitly() {
        MicrosegConfig.Server server = MicrosegConfigReader.read(MicrosegConfig.DEFAULT_FILE).server();
        assertThat(server.listen()).isEqualTo(new MicrosegConfig.Listen("127.0.0.1", 8080));
        assertThat(server.listen().isLoopback()).isTrue();
        assertThat(server.auth()).isEqualTo(MicrosegConfig.Auth.INSECURE);
        assertThat(server.bookmarkInterval()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(server.slowConsumer()).isEqualTo(new MicrosegConfig.SlowConsumer(100_000, java.time.Duration.ofSeconds(30)));
        assertThat(server.http()).isEqualTo(MicrosegConfig.Http.DEFAULT);
    }

    @Test
    void theCommentedTokensExampleIsValid() throws IOException {
        String demo = Files.readString(MicrosegConfig.DEFAULT_FILE);
        String withTokens = demo.replace("    insecureNoAuth: true\n", "").replaceAll("(?m)^    # (agents|operators|kubernetes):", "    $1:")
                .replaceAll("(?m)^    #   ", "      ");
        MicrosegConfig.Auth auth = MicrosegConfigReader.parse("microseg.yaml", withTokens, BASE).server().auth();
        assertThat(auth.insecureNoAuth()).isFalse();
        assertThat(auth.agents()).containsExactly(new MicrosegConfig.AgentToken("node/demo/node-1", "sha256:" + "0".repeat(64)));
        assertThat(auth.operators()).containsExactly(new MicrosegConfig.OperatorToken("alice", "sha256:" + "1".repeat(64)));
        KubernetesAuth k = auth.kubernetes();
        assertThat(k.enabled()).isTrue();
        assertThat(k.cluster()).isEqualTo("demo");
        assertThat(k.agentServiceAccounts()).isEqualTo(KubernetesAuth.DEFAULT_AGENT_SERVICE_ACCOUNTS);
        assertThat(k.operatorAccess()).isEqualTo(KubernetesAuth.OperatorAccess.DEFAULT);
        assertThat(k.context()).hasValue("kind-demo");
        assertThat(k.withCache(KubernetesAuth.DEFAULT_CACHE_TTL, KubernetesAuth.DEFAULT_DENIED_CACHE_TTL, KubernetesAuth.DEFAULT_CACHE_SIZE))
                .as("the commented values are the defaults").isEqualTo(k);
    }

    @Test
    void everyServerFieldRead() {
        MicrosegConfig.Server server = parse("""
                server:
                  listen: "[::1]:9443"
                  bookmarkInterval: 500ms
                  slowConsumer: {maxPendingChanges: 50, grace: 2m}
                  http: {headerTimeout: 5s, idleTimeout: 2m, maxConnections: 500, maxUnauthenticatedConnections: 100, workers: 2, errorLogInterval: 1m}
                  auth:
                    agents:
                      - {identity: node/prod/n-1, tokenHash: "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}
                      - {identity: host/db, tokenHash: "sha256:cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"}
                    operators:
                      - {name: alice, tokenHash: "sha256:0000000000000000000000000000000000000000000000000000000000000000"}
                """).server();
        assertThat(server.listen()).isEqualTo(new MicrosegConfig.Listen("::1", 9443));
        assertThat(server.listen().toString()).isEqualTo("[::1]:9443");
        assertThat(server.listen().isLoopback()).isTrue();
        assertThat(server.bookmarkInterval()).isEqualTo(java.time.Duration.ofMillis(500));
        assertThat(server.slowConsumer()).isEqualTo(new MicrosegConfig.SlowConsumer(50, java.time.Duration.ofMinutes(2)));
        assertThat(server.http()).isEqualTo(new MicrosegConfig.Http(java.time.Duration.ofSeconds(5), java.time.Duration.ofMinutes(2), 500, 100, 2,
                java.time.Duration.ofMinutes(1)));
        assertThat(parse("server: {http: {maxConnections: 300}}\n").server().http().maxUnauthenticatedConnections())
                .as("the unauthenticated default, capped by a lower total").isEqualTo(300);
        assertThat(server.auth().agents()).extracting(MicrosegConfig.AgentToken::identity).containsExactly("node/prod/n-1", "host/db");
        assertThat(server.auth().operators()).extracting(MicrosegConfig.OperatorToken::name).containsExactly("alice");
        assertThat(parse("server: {listen: 0.0.0.0:8080}\n").server().listen().isLoopback()).isFalse();
        assertThat(parse("policies: {folders: [p]}\n").server()).isEqualTo(MicrosegConfig.Server.DEFAULT);
    }

    @Test
    void theRulesSectionIsReadAndDefaultsAreSafe() {
        assertThat(MicrosegConfigReader.read(MicrosegConfig.DEFAULT_FILE).rules()).isEqualTo(MicrosegConfig.Rules.DEFAULT);
        assertThat(MicrosegConfig.Rules.DEFAULT).isEqualTo(new MicrosegConfig.Rules(Duration.ofSeconds(2), Duration.ofSeconds(5), false,
                Duration.ofSeconds(30)));
        MicrosegConfig c = parse("rules: {quietPeriod: 500ms, pollInterval: 1s, allowSharedFolder: true, stallAfter: 2m}\n");
        assertThat(c.rules()).isEqualTo(new MicrosegConfig.Rules(Duration.ofMillis(500), Duration.ofSeconds(1), true, Duration.ofMinutes(2)));
        assertThat(parse("rules: {stallAfter: 5s}\n").rules()).isEqualTo(MicrosegConfig.Rules.DEFAULT.withStallAfter(Duration.ofSeconds(5)));
    }

    @Test
    void notAMapping() {
        assertThat(parseFails("- a\n- b\n").getMessage())
                .isEqualTo("microseg.yaml:1: expected a mapping with inventory and policies, found a list");
        assertThat(parseFails("").getMessage()).contains("found an empty file");
        assertThat(parseFails("# only a comment\n").getMessage()).contains("found an empty file");
    }

    @Test
    void malformedYamlAndSeveralDocuments() {
        assertThat(parseFails("inventory: {folders: [a\n").getMessage()).startsWith("microseg.yaml:").contains("malformed YAML");
        assertThat(parseFails("inventory: {}\n---\npolicies: {}\n").getMessage())
                .isEqualTo("microseg.yaml:3: expected one YAML document, found a second one");
    }

    @Test
    void aMissingFileIsAnInputError() {
        InputException e = catchThrowableOfType(InputException.class, () -> MicrosegConfigReader.read(dir.resolve("none.yaml")));
        assertThat(e.getMessage()).contains("none.yaml").contains("cannot read the configuration file");
    }

    @Test
    void agentStatusAndLeaderElectionHaveSafeDefaultsAndRefuseBadValuesNamingTheField() {
        MicrosegConfig demo = MicrosegConfigReader.read(MicrosegConfig.DEFAULT_FILE);
        assertThat(demo.server().agentStatus()).isEqualTo(MicrosegConfig.AgentStatus.DEFAULT);
        assertThat(demo.server().leaderElection()).isEqualTo(MicrosegConfig.LeaderElection.DEFAULT);
        assertThat(demo.server().leaderElection().enabled(false)).isFalse();
        assertThat(demo.server().leaderElection().enabled(true)).isTrue();

        MicrosegConfig c = parse("""
                server:
                  agentStatus: {maxBodyBytes: 4096, staleAfter: 2m, maxAgents: 5}
                  leaderElection: {enabled: false, namespace: ops, name: lease-x, leaseDuration: 30s, renewDeadline: 20s, retryPeriod: 5s}
                """);
        assertThat(c.server().agentStatus()).isEqualTo(new MicrosegConfig.AgentStatus(4096, java.time.Duration.ofMinutes(2), 5));
        assertThat(c.server().leaderElection().enabled(true)).isFalse();
        assertThat(c.server().leaderElection().namespace()).contains("ops");
        assertThat(c.server().leaderElection().name()).isEqualTo("lease-x");

        assertThat(parseFails("server:\n  agentStatus: {maxBodyBytes: 0}\n").getMessage())
                .contains("server.agentStatus.maxBodyBytes").contains("positive");
        assertThat(parseFails("server:\n  agentStatus: {staleafter: 9s}\n").getMessage()).contains("did you mean staleAfter");
        assertThat(parseFails("server:\n  leaderElection: {enabled: yes please}\n").getMessage()).contains("server.leaderElection.enabled");
        assertThat(parseFails("server:\n  leaderElection: {leaseDuration: 5s, renewDeadline: 10s}\n").getMessage())
                .contains("server.leaderElection").contains("leaseDuration must be longer than renewDeadline");

        assertThat(demo.server().preview()).isEqualTo(MicrosegConfig.Preview.DEFAULT);
        assertThat(parse("server:\n  preview: {maxBodyBytes: 4096, maxFlows: 10, maxFlips: 5, timeout: 2s}\n").server().preview())
                .isEqualTo(new MicrosegConfig.Preview(4096, 10, 5, java.time.Duration.ofSeconds(2)));
        assertThat(parseFails("server:\n  preview: {maxFlows: 0}\n").getMessage()).contains("server.preview.maxFlows").contains("positive");
        assertThat(parseFails("server:\n  preview: {timeOut: 2s}\n").getMessage()).contains("did you mean timeout");

        assertThat(demo.server().workbench()).isEqualTo(MicrosegConfig.Workbench.DEFAULT);
        assertThat(MicrosegConfig.Workbench.DEFAULT.sessionLifetime()).isEqualTo(java.time.Duration.ofHours(8));
        assertThat(parse("server:\n  workbench: {sessionLifetime: 30m, maxSessions: 5, secureCookie: true}\n").server().workbench())
                .isEqualTo(new MicrosegConfig.Workbench(java.time.Duration.ofMinutes(30), 5, true));
        assertThat(parseFails("server:\n  workbench: {maxSessions: 0}\n").getMessage()).contains("server.workbench.maxSessions").contains("positive");
        assertThat(parseFails("server:\n  workbench: {secureCookie: maybe}\n").getMessage()).contains("server.workbench.secureCookie");
        assertThat(parseFails("server:\n  workbench: {sessionLifeTime: 1h}\n").getMessage()).contains("did you mean sessionLifetime");
    }

    private static MicrosegConfig parse(String yaml) {
        return MicrosegConfigReader.parse("microseg.yaml", yaml, BASE);
    }

    private static InputException parseFails(String yaml) {
        InputException e = catchThrowableOfType(InputException.class, () -> parse(yaml));
        assertThat(e).as("reading %s should fail", yaml).isNotNull();
        return e;
    }
}
