package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.compile.RuleBase;
import io.microseg.config.MicrosegConfig;
import io.microseg.server.MicrosegServer;
import io.microseg.testing.Await;
import io.microseg.testing.TestFiles;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runtime against a real server, enforcing with real nft into a namespace: the token file is read at
 * every connect (missing, then wrong: logged, nothing applied, retried; then right: applied), and the status
 * report reaches the server's {@code GET /v1/agents} with the version and epoch applied.
 */
class AgentRuntimeTest {
    private static final String AGENT = "host/backup-prod";
    private static final String TOKEN = "token-of-host-backup-prod";
    private static final String OPERATOR = "token-of-operator-alice";

    @TempDir
    Path dir;

    @Test
    void aRotatedTokenFileIsReadAtTheNextConnectAndTheStatusReachesTheServer() throws Exception {
        Netns.assumeAvailable();
        Nft.assumeAvailable();
        Path inventory = TestFiles.copy(Path.of("config/demo/inventory"), dir.resolve("inventory"));
        Path policies = TestFiles.copy(Path.of("config/demo/policies"), dir.resolve("policies"));
        MicrosegConfig.Server settings = MicrosegConfig.Server.DEFAULT.withListen(new MicrosegConfig.Listen("127.0.0.1", 0))
                .withAuth(new MicrosegConfig.Auth(false,
                        List.of(new MicrosegConfig.AgentToken(AGENT, io.microseg.auth.StaticTokens.hash(TOKEN))),
                        List.of(new MicrosegConfig.OperatorToken("alice", io.microseg.auth.StaticTokens.hash(OPERATOR)))))
                .withBookmarkInterval(Duration.ofMillis(300));
        MicrosegServer server = new MicrosegServer(MicrosegConfig.ofFolders(List.of(inventory), List.of(policies)).withServer(settings),
                RuleBase.packaged(), null);
        int port = server.listen();
        server.start();
        Vertx vertx = Vertx.vertx();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AgentLog log = new AgentLog(new PrintStream(out, true, StandardCharsets.UTF_8));
        Path token = dir.resolve("token");
        try (Netns host = Netns.create("i14-runtime-rt")) {
            Path map = Files.writeString(dir.resolve("netns.yaml"), AGENT + ": " + host.name() + "\n");
            Enforcer enforcer = new Enforcer(AGENT, new io.microseg.enforce.netns.MappingFile(map), io.microseg.enforce.netns.PodNetns.Backoff.DEFAULT,
                    List.of(new NftRuleset.Endpoint("127.0.0.1", port)), List.of(), false,
                    CommandRunner::exec, log.stream());
            AgentRuntime runtime = AgentRuntime.start(vertx, new AgentRuntime.Settings(List.of(URI.create("http://127.0.0.1:" + port)),
                    AGENT, new TokenFile(token), Duration.ofSeconds(3), Duration.ofMillis(100), Duration.ofMillis(300),
                    Duration.ofMillis(500)), enforcer, log, a -> {});
            try {
                Await.until("the missing token logged", Duration.ofSeconds(10),
                        () -> out.toString(StandardCharsets.UTF_8).contains("error: no token (token file " + token + ": not found)"));
                Files.writeString(token, "not-the-token\n");
                Await.until("the refusal logged", Duration.ofSeconds(10), () -> out.toString(StandardCharsets.UTF_8)
                        .contains("refused this agent (HTTP 401"));
                assertThat(runtime.applied()).as("nothing applied without a valid token").isNull();
                assertThat(host.exec("", "nft", "list", "table", "inet", "microseg").exit()).as("no table yet").isNotZero();

                Files.writeString(token, TOKEN + "\n"); // rotated: the next connect reads it
                Await.until("an apply", Duration.ofSeconds(10), () -> runtime.applied() != null);
                AgentRuntime.Applied applied = runtime.applied();
                String table = host.must("", "nft", "list", "table", "inet", "microseg");
                applied.view().rules().forEach(r -> assertThat(table).contains("comment \"" + r.id() + " "));
                assertThat(applied.view().rules()).isNotEmpty();

                HttpClient http = HttpClient.newHttpClient();
                JsonNode agent = Await.value("the report on the server", Duration.ofSeconds(10), () -> {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/agents"))
                                .header("Authorization", "Bearer " + OPERATOR).GET().build(), HttpResponse.BodyHandlers.ofString());
                        for (JsonNode a : new ObjectMapper().readTree(r.body()).get("agents")) {
                            if (a.get("identity").asText().equals(AGENT) && a.get("reported").asBoolean()) return java.util.Optional.of(a);
                        }
                        return java.util.Optional.empty();
                    } catch (Exception e) {
                        return java.util.Optional.empty();
                    }
                });
                assertThat(agent.get("appliedVersion").asLong()).isEqualTo(applied.version());
                assertThat(agent.get("epoch").asText()).isEqualTo(applied.epoch());
                assertThat(agent.get("namespaces").get(0).get("netns").asText()).isEqualTo(host.name());
                assertThat(runtime.reportsAccepted()).isPositive();
                for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
                    assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z microseg enforce: .*");
                }
            } finally {
                runtime.close();
            }
        } finally {
            server.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
