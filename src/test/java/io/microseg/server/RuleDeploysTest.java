package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.compile.RuleFiles;
import io.microseg.config.MicrosegConfig;
import io.microseg.testing.Await;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rule deploys against a real server over HTTP, with an agent's watch stream open: a routine deploy
 * that empties the folder, a folder still being written, and a rule set that drops rules never reach
 * the agents; dropping rules takes the operator's explicit removal by name; {@code GET /v1/rules} shows
 * the rule set in force by its digest and the last refusal.
 */
class RuleDeploysTest {
    private static final String NODES_RULE = "Provider pods accept the nodes of the cluster on the target port";
    private static final MicrosegConfig.Rules FAST = new MicrosegConfig.Rules(Duration.ofMillis(300), Duration.ofMillis(100), false,
            Duration.ofSeconds(30));
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NODE_1 = "/v1/nodes/demo/node-1/watch";

    @TempDir
    Path dir;

    @Test
    void anEmptiedFolderRemovesNothingAndTheReloadAnswers409() throws IOException {
        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        try (TestServer t = new TestServer(dir, TestServer.settings(), rules, FAST).start();
             TestServer.Stream agent = t.watch(NODE_1, TestServer.NODE_1)) {
            JsonNode snapshot = agent.next();
            assertThat(snapshot.get("rules").size()).isPositive();
            long version = t.server.feed().version();

            // rm rules/*.drl; (cp new/*.drl rules/ comes later)
            List<Path> drl = drlFiles(rules);
            List<String> texts = drl.stream().map(TestFiles::read).toList();
            drl.forEach(TestFiles::delete);
            Await.until("the empty folder refused", WAIT, () -> refusal(t).equals("empty"));

            JsonNode status = t.get("/v1/rules", TestServer.OPERATOR).json();
            assertThat(status.get("status").asText()).isEqualTo("refused");
            assertThat(status.get("lastRefusal").get("detail").asText()).contains("no .drl file in").contains("every firewall would open");
            assertThat(status.get("digest").asText()).as("the rule set in force is still the shipped one")
                    .isEqualTo(RuleFiles.read(Path.of("rules")).digest());
            TestServer.Response reload = t.post("/v1/rules/reload", TestServer.OPERATOR);
            assertThat(reload.status()).isEqualTo(409);
            assertThat(reload.json().get("reason").asText()).isEqualTo("empty");
            assertThat(reload.json().get("applied").asBoolean()).isFalse();
            assertThat(t.get("/metrics", null).body()).contains("microseg_rule_deploys_refused_total{reason=\"empty\"} 1.0");

            assertThat(t.server.feed().version()).as("no change set").isEqualTo(version);
            assertThat(nonBookmarks(agent)).as("the agent got no delta: it keeps every rule").isEmpty();
            assertThat(t.get("/v1/nodes/demo/node-1/rules", TestServer.NODE_1).json().get("rules")).isEqualTo(snapshot.get("rules"));

            for (int i = 0; i < drl.size(); i++) TestFiles.write(drl.get(i), texts.get(i));
            Await.until("the same rules back", WAIT, () -> t.get("/v1/rules", TestServer.OPERATOR).json().get("status").asText().equals("applied"));
            assertThat(t.server.feed().version()).isEqualTo(version);
        }
    }

    @Test
    void aFileStillBeingWrittenIsNotBuiltUntilTheFolderIsQuiet() {
        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        MicrosegConfig.Rules quiet = FAST.withQuietPeriod(Duration.ofSeconds(2));
        try (TestServer t = new TestServer(dir, TestServer.settings(), rules, quiet).start()) {
            String complete = extraRuleFile("An extra rule");
            int cut = complete.indexOf("then");
            // a copy in two writes, the second 300 ms after the first: the first half does not build
            TestFiles.write(rules.resolve("extra.drl"), complete.substring(0, cut));
            sleep(300);
            TestFiles.write(rules.resolve("extra.drl"), complete);

            Await.until("the complete file applied", WAIT,
                    () -> t.get("/v1/rules", TestServer.OPERATOR).json().get("ruleNames").toString().contains("An extra rule"));
            JsonNode status = t.get("/v1/rules", TestServer.OPERATOR).json();
            assertThat(status.get("lastRefusal").isNull()).as("the half-written file was never built: %s", status).isTrue();
            assertThat(t.get("/metrics", null).body()).contains("microseg_rule_deploys_refused_total{reason=\"build_failed\"} 0.0")
                    .contains("microseg_rules_reloads_total 1.0");
            assertThat(status.get("digest").asText()).isEqualTo(digest(rules));
        }
    }

    @Test
    void aRuleSetThatDropsRulesIsRefusedUntilTheOperatorRemovesThemByName() throws IOException {
        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        try (TestServer t = new TestServer(dir, TestServer.settings(), rules, FAST).start();
             TestServer.Stream agent = t.watch("/v1/nodes/demo/node-2/watch", TestServer.NODE_2)) {
            agent.next();
            removeRule(rules.resolve("services.drl"), NODES_RULE);
            Await.until("the drop refused", WAIT, () -> refusal(t).equals("drops_rules"));
            assertThat(nonBookmarks(agent)).isEmpty();

            TestServer.Response refused = t.post("/v1/rules/reload", TestServer.OPERATOR);
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.json().get("reason").asText()).isEqualTo("drops_rules");
            assertThat(refused.json().get("dropped")).hasSize(1);
            assertThat(refused.json().get("dropped").get(0).asText()).isEqualTo(NODES_RULE);

            TestServer.Response mismatch = t.post("/v1/rules/reload", TestServer.OPERATOR, "{\"remove\": [\"Some other rule\"]}");
            assertThat(mismatch.status()).isEqualTo(422);
            assertThat(mismatch.json().get("reason").asText()).isEqualTo("remove_mismatch");
            assertThat(t.post("/v1/rules/reload", TestServer.OPERATOR, "{\"remove\": \"" + NODES_RULE + "\"}").status()).isEqualTo(400);
            assertThat(t.post("/v1/rules/reload", TestServer.OPERATOR, "{\"remove\": [").status()).isEqualTo(400);
            assertThat(nonBookmarks(agent)).isEmpty();

            TestServer.Response removed = t.post("/v1/rules/reload", TestServer.OPERATOR, "{\"remove\": [\"" + NODES_RULE + "\"]}");
            assertThat(removed.status()).as(removed.body()).isEqualTo(200);
            assertThat(removed.json().get("applied").asBoolean()).isTrue();
            assertThat(removed.json().get("removed").get(0).asText()).isEqualTo(NODES_RULE);
            assertThat(removed.json().get("digest").asText()).isEqualTo(digest(rules));

            JsonNode status = t.get("/v1/rules", TestServer.OPERATOR).json();
            assertThat(status.get("status").asText()).isEqualTo("applied");
            assertThat(status.get("digest").asText()).isEqualTo(digest(rules));
            assertThat(status.get("version").asLong()).isEqualTo(removed.json().get("version").asLong());
            assertThat(status.get("ruleNames").toString()).doesNotContain(NODES_RULE);
            // node-2 runs no provider pod: its agent gets nothing; the change is one version on the feed
            assertThat(t.server.feed().version()).isEqualTo(removed.json().get("version").asLong());
        }
    }

    @Test
    void drlThatRunsAProgramIsRefusedWithItsLocationAndNeverRuns() {
        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        Path pwned = dir.resolve("pwned");
        try (TestServer t = new TestServer(dir, TestServer.settings(), rules, FAST).start()) {
            TestFiles.write(rules.resolve("evil.drl"), """
                    package rules;

                    import io.microseg.facts.*;

                    rule "Every node opens a shell"
                    when
                        Workload(kind == WorkloadKind.NODE)
                    then
                        Runtime.getRuntime().exec(new String[] {"touch", "%s"});
                    end
                    """.formatted(pwned));
            TestServer.Response r = t.post("/v1/rules/reload", TestServer.OPERATOR);
            assertThat(r.status()).isEqualTo(422);
            assertThat(r.json().get("reason").asText()).isEqualTo("not_allowed");
            JsonNode problem = r.json().get("problems").get(0);
            assertThat(problem.get("location").asText()).isEqualTo("rules/evil.drl:9:5");
            assertThat(problem.get("rule").asText()).isEqualTo("Every node opens a shell");
            assertThat(problem.get("message").asText()).startsWith("Runtime is refused: it runs programs as the server");
            Await.until("the watch refused it too", WAIT, () -> refusal(t).equals("not_allowed"));
            assertThat(pwned).doesNotExist();
        }
    }

    @Test
    void rulesShowTheDigestInForceToOperatorsOnlyAndAFolderOthersMayWriteIsNotDeployed() throws IOException {
        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        try (TestServer t = new TestServer(dir, TestServer.settings(), rules, FAST).start()) {
            JsonNode status = t.get("/v1/rules", TestServer.OPERATOR).json();
            assertThat(status.get("status").asText()).isEqualTo("applied");
            assertThat(status.get("digest").asText()).isEqualTo(RuleFiles.read(Path.of("rules")).digest()).matches("sha256:[0-9a-f]{64}");
            assertThat(status.get("rules").asInt()).isEqualTo(status.get("ruleNames").size()).isGreaterThan(10);
            assertThat(status.get("folder").asText()).isEqualTo(rules.toAbsolutePath().toString());
            assertThat(status.get("lastRefusal").isNull()).isTrue();
            assertThat(t.get("/v1/rules", TestServer.NODE_1).status()).isEqualTo(403);
            assertThat(t.get("/v1/rules", null).status()).isEqualTo(401);
            assertThat(t.post("/v1/rules/reload", TestServer.NODE_1).status()).isEqualTo(403);

            Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rwxrwxrwx"));
            TestFiles.write(rules.resolve("extra.drl"), extraRuleFile("A rule slipped in by anyone"));
            TestServer.Response r = t.post("/v1/rules/reload", TestServer.OPERATOR);
            assertThat(r.status()).isEqualTo(409);
            assertThat(r.json().get("reason").asText()).isEqualTo("untrusted");
            assertThat(r.json().get("detail").asText()).contains(rules.toRealPath() + " may be written by its group and others (mode 0777)");
            assertThat(t.get("/v1/rules", TestServer.OPERATOR).json().get("ruleNames").toString()).doesNotContain("A rule slipped in");

            Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rwxr-xr-x"));
            Await.until("deployed once the folder is the server's alone", WAIT,
                    () -> t.get("/v1/rules", TestServer.OPERATOR).json().get("ruleNames").toString().contains("A rule slipped in"));
        }
    }

    @Test
    void aServerOnThePackagedRulesShowsThemAndHasNothingToReload() {
        try (TestServer t = new TestServer(dir, TestServer.settings()).start()) {
            JsonNode status = t.get("/v1/rules", TestServer.OPERATOR).json();
            assertThat(status.get("status").asText()).isEqualTo("packaged");
            assertThat(status.get("digest").asText()).isEqualTo(RuleFiles.packaged().digest());
            assertThat(status.get("folder").isNull()).isTrue();
            assertThat(t.post("/v1/rules/reload", TestServer.OPERATOR).status()).isEqualTo(409);
        }
    }

    private static String refusal(TestServer t) {
        JsonNode last = t.get("/v1/rules", TestServer.OPERATOR).json().get("lastRefusal");
        return last == null || last.isNull() ? "" : last.get("reason").asText();
    }

    private static List<JsonNode> nonBookmarks(TestServer.Stream s) {
        List<JsonNode> events = new ArrayList<>(s.events);
        return events.stream().filter(e -> !e.get("type").asText().equals("bookmark")).toList();
    }

    private static List<Path> drlFiles(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".drl")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String digest(Path folder) {
        try {
            return RuleFiles.read(folder).digest();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A DRL file with one rule, a copy of a shipped one under another name. */
    private static String extraRuleFile(String name) {
        String services = TestFiles.read(Path.of("rules/services.drl"));
        int start = services.indexOf("rule \"" + NODES_RULE + "\"");
        String rule = services.substring(start, services.indexOf("\nend", start) + "\nend".length());
        return "package rules;\n\nimport io.microseg.facts.*;\nimport io.microseg.policy.Action;\n\n"
                + rule.replace(NODES_RULE, name) + "\n";
    }

    private static void removeRule(Path file, String name) {
        String text = TestFiles.read(file);
        int start = text.indexOf("rule \"" + name + "\"");
        int end = text.indexOf("\nend", start) + "\nend".length();
        TestFiles.write(file, text.substring(0, start) + text.substring(end));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
