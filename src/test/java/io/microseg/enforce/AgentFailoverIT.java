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
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failover between two real servers over the same folders, with an agent enforcing with real nft into a
 * network namespace: while policies and inventory churn, server A is closed, restarted, then B is closed,
 * restarted, then A again. Every apply is checked against the table nft then holds, a sampler reads the
 * table all along and proves it never held fewer rules than both sides of a switch (no empty or partial
 * table), the final rules equal a fresh {@code GET /v1/hosts/backup-prod/rules} of the live server, and with
 * both servers down the rules stay.
 */
class AgentFailoverIT {
    private static final String AGENT = "host/backup-prod";
    private static final String TOKEN = "token-of-host-backup-prod";
    private static final String OPERATOR = "token-of-operator-alice";
    private static final Pattern RULE = Pattern.compile("(?:accept|drop) comment \"([^\" ]+) ");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Sample(long at, int rules) {}

    record Seen(long at, String epoch, long version, Set<String> viewRules, Set<String> tableRules) {}

    @Test
    void failoverUnderChurnNeverEmptiesTheTableAndEndsEqualToTheLiveServer() throws Exception {
        Netns.assumeAvailable();
        Nft.assumeAvailable();
        Path inventory = TestFiles.copy(Path.of("config/demo/inventory"), dir.resolve("inventory"));
        Path policies = TestFiles.copy(Path.of("config/demo/policies"), dir.resolve("policies"));
        MicrosegConfig config = MicrosegConfig.ofFolders(List.of(inventory), List.of(policies)).withServer(settings(0));
        RuleBase rules = RuleBase.packaged();
        Path token = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        AgentLog log = new AgentLog(new PrintStream(new TeeStream(logBytes), true, StandardCharsets.UTF_8));
        Vertx vertx = Vertx.vertx();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        MicrosegServer[] live = new MicrosegServer[2];
        int[] ports = new int[2];
        for (int i = 0; i < 2; i++) {
            live[i] = new MicrosegServer(config, rules, null);
            ports[i] = live[i].listen();
            live[i].start();
        }
        List<Seen> applies = new CopyOnWriteArrayList<>();
        List<Sample> samples = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (Netns host = Netns.create("i14-runtime-" + Long.toHexString(System.nanoTime() & 0xffffff))) {
            Path map = Files.writeString(dir.resolve("netns.yaml"), AGENT + ": " + host.name() + "\n");
            Enforcer enforcer = new Enforcer(AGENT, new io.microseg.enforce.netns.MappingFile(map), io.microseg.enforce.netns.PodNetns.Backoff.DEFAULT,
                    List.of(new NftRuleset.Endpoint("127.0.0.1", ports[0]), new NftRuleset.Endpoint("127.0.0.1", ports[1])), List.of(), false,
                    CommandRunner::exec, log.stream());
            AgentRuntime.Settings settings = new AgentRuntime.Settings(
                    List.of(URI.create("http://127.0.0.1:" + ports[0]), URI.create("http://127.0.0.1:" + ports[1])), AGENT,
                    new TokenFile(token), Duration.ofMillis(900), Duration.ofMillis(100), Duration.ofMillis(800), Duration.ofSeconds(1));
            AgentRuntime runtime = AgentRuntime.start(vertx, settings, enforcer, log, a -> {
                Set<String> view = new TreeSet<>();
                a.view().rules().forEach(r -> view.add(r.id()));
                applies.add(new Seen(System.nanoTime(), a.epoch(), a.version(), view, tableRules(host)));
            });
            Thread sampler = new Thread(() -> {
                while (!stop.get()) {
                    // stamped when the listing starts: a listing that began before an apply may return the
                    // table as it was before it, and must not count as a sample taken after that apply
                    long at = System.nanoTime();
                    Set<String> t = tableRules(host);
                    samples.add(new Sample(at, t == null ? -1 : t.size()));
                }
            }, "nft-sampler");
            Thread churn = new Thread(() -> churn(inventory, policies, stop), "churn");
            try {
                Await.until("a first apply from A", Duration.ofSeconds(30), () -> !applies.isEmpty());
                sampler.start();
                churn.start();
                String epochA = applies.get(0).epoch();
                Thread.sleep(1500);

                live[0].close();                                   // A goes: B takes over
                String epochB = awaitEpochOtherThan(applies, Set.of(epochA), "B after A closed");
                live[0] = restart(config, rules, ports[0]);        // A comes back with another epoch
                Thread.sleep(1500);
                live[1].close();                                   // B goes: A (restarted) takes over
                String epochA2 = awaitEpochOtherThan(applies, Set.of(epochA, epochB), "A again after B closed");
                live[1] = restart(config, rules, ports[1]);
                Thread.sleep(1500);
                live[0].close();                                   // A goes again: B (restarted) takes over
                awaitEpochOtherThan(applies, Set.of(epochA, epochB, epochA2), "B again after A closed");
                Thread.sleep(1000);
            } finally {
                stop.set(true);
                churn.join(10_000);
                sampler.join(10_000);
            }

            // the end state: what the live server (B) serves now
            MicrosegServer b = live[1];
            // the churn stopped: the agent settles on what the live server serves (the server's version also
            // counts changes for other agents, so the rules and sets are compared, and the epoch)
            Await.until("the agent holding the live server's rules", Duration.ofSeconds(20), () -> {
                try {
                    JsonNode j = get(http, ports[1], "/v1/hosts/backup-prod/rules");
                    AgentRuntime.Applied a = runtime.applied();
                    return a != null && j.get("epoch").asText().equals(a.epoch()) && rulesOf(j).equals(rulesOf(a.view()))
                            && setsOf(j).equals(setsOf(a.view()));
                } catch (IllegalStateException notYet) {
                    return false;
                }
            });
            JsonNode fresh = get(http, ports[1], "/v1/hosts/backup-prod/rules");
            AgentRuntime.Applied last = runtime.applied();
            Set<String> serverRules = rulesOf(fresh);
            Map<String, Set<String>> serverSets = setsOf(fresh);
            Set<String> agentRules = rulesOf(last.view());
            Map<String, Set<String>> agentSets = setsOf(last.view());
            assertThat(last.epoch()).isEqualTo(fresh.get("epoch").asText());
            assertThat(agentRules).as("rule ids").isEqualTo(serverRules);
            assertThat(agentSets).as("sets and members").isEqualTo(serverSets);
            assertThat(tableRules(host)).as("the table nft holds").isEqualTo(serverRules);
            assertThat(last.outcome().failed()).isZero();

            // every apply: nft holds exactly the view just applied
            System.out.println("applies: " + applies.size() + ", samples of the table: " + samples.size());
            for (Seen s : applies) assertThat(s.tableRules()).as("table after the apply of version " + s.version()).isEqualTo(s.viewRules());
            // at every switch of server, the table never held fewer rules than both sides
            int switches = 0;
            for (int i = 1; i < applies.size(); i++) {
                Seen before = applies.get(i - 1);
                Seen after = applies.get(i);
                if (before.epoch().equals(after.epoch())) continue;
                switches++;
                int floor = Math.min(before.viewRules().size(), after.viewRules().size());
                for (Sample x : samples) {
                    if (x.at() < before.at() || x.at() > after.at()) continue;
                    assertThat(x.rules()).as("a sample between version " + before.version() + " (" + before.viewRules().size()
                            + " rules) and the switch to " + after.version() + " (" + after.viewRules().size() + " rules)")
                            .isGreaterThanOrEqualTo(floor);
                }
                System.out.println("switch " + before.epoch() + "@" + before.version() + " (" + before.viewRules().size() + " rules) -> "
                        + after.epoch() + "@" + after.version() + " (" + after.viewRules().size() + " rules)");
            }
            assertThat(switches).isGreaterThanOrEqualTo(3);
            assertThat(samples.stream().filter(x -> x.at() > applies.get(0).at()).mapToInt(Sample::rules).min().orElse(0))
                    .as("the table never went empty or missing after the first apply").isGreaterThan(0);

            // both servers down: the rules stay in force
            b.close();
            Thread.sleep(3000);
            assertThat(tableRules(host)).as("the table with no server").isEqualTo(serverRules);
            String text = logBytes.toString(StandardCharsets.UTF_8);
            assertThat(text).contains("the rules of version " + last.version() + " (epoch " + last.epoch() + ") stay in force");
            for (String line : text.split("\n")) assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z .*");
            runtime.close();
        } finally {
            stop.set(true);
            for (MicrosegServer s : live) if (s != null) s.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static Set<String> rulesOf(JsonNode rules) {
        Set<String> ids = new TreeSet<>();
        rules.get("rules").forEach(r -> ids.add(r.get("id").asText()));
        return ids;
    }

    private static Set<String> rulesOf(AgentView view) {
        Set<String> ids = new TreeSet<>();
        view.rules().forEach(r -> ids.add(r.id()));
        return ids;
    }

    private static Map<String, Set<String>> setsOf(JsonNode rules) {
        Map<String, Set<String>> sets = new TreeMap<>();
        rules.get("sets").forEach(s -> {
            Set<String> m = new TreeSet<>();
            s.get("members").forEach(x -> m.add(x.asText()));
            sets.put(s.get("id").asText(), m);
        });
        return sets;
    }

    private static Map<String, Set<String>> setsOf(AgentView view) {
        Map<String, Set<String>> sets = new TreeMap<>();
        view.sets().forEach(s -> sets.put(s.id(), new TreeSet<>(s.members())));
        return sets;
    }

    private static MicrosegConfig.Server settings(int port) {
        return MicrosegConfig.Server.DEFAULT.withListen(new MicrosegConfig.Listen("127.0.0.1", port))
                .withAuth(new MicrosegConfig.Auth(false,
                        List.of(new MicrosegConfig.AgentToken(AGENT, io.microseg.auth.StaticTokens.hash(TOKEN))),
                        List.of(new MicrosegConfig.OperatorToken("alice", io.microseg.auth.StaticTokens.hash(OPERATOR)))))
                .withBookmarkInterval(Duration.ofMillis(300));
    }

    private static MicrosegServer restart(MicrosegConfig config, RuleBase rules, int port) {
        MicrosegServer s = new MicrosegServer(config.withServer(settings(port)), rules, null);
        s.listen();
        s.start();
        return s;
    }

    private static String awaitEpochOtherThan(List<Seen> applies, Set<String> old, String what) {
        return Await.value(what, Duration.ofSeconds(30), () -> applies.stream().map(Seen::epoch).filter(e -> !old.contains(e)).findFirst());
    }

    /** Rule ids in the namespace's table (a rule with a peer set is two nft rules, one id); null without a table. */
    private static Set<String> tableRules(Netns ns) {
        try {
            CommandRunner.Result r = ns.exec("", "nft", "list", "table", "inet", "microseg");
            if (r.exit() != 0) return null;
            Set<String> ids = new TreeSet<>();
            Matcher m = RULE.matcher(r.output());
            while (m.find()) if (!m.group(1).equals("the")) ids.add(m.group(1));
            return ids;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Adds and removes rules of the host while the servers switch: a policy (production to the web pods on
     * a port of the step) comes and goes, and db pods come and go (members of the host's peer set). Files are
     * written whole and renamed into place, as a deploy does.
     */
    private static void churn(Path inventory, Path policies, AtomicBoolean stop) {
        int step = 0;
        try {
            while (!stop.get()) {
                step++;
                Path policy = policies.resolve("churn.yaml");
                if (step % 3 == 0) {
                    Files.deleteIfExists(policy);
                } else {
                    write(policy, """
                            apiVersion: microseg.io/v1
                            kind: Workspace
                            metadata:
                              name: churn
                            spec:
                              scope: "environment = production"
                              catchAll:
                                ingress: DENY
                                egress: DENY
                              policies:
                                - id: churn-%d
                                  consumer: "environment = production"
                                  provider: "environment = production"
                                  ports: ["TCP %d"]
                                  action: ALLOW
                                  rank: DEFAULT
                                  priority: 100
                            """.formatted(step, 10000 + step));
                }
                Path pods = inventory.resolve("churn-pods.yaml");
                StringBuilder b = new StringBuilder();
                for (int k = 0; k < step % 4; k++) {
                    b.append("""
                            apiVersion: v1
                            kind: Pod
                            metadata:
                              name: db-churn-%d
                              namespace: data
                              labels:
                                app: db
                            spec:
                              nodeName: node-2
                              containers:
                                - name: mongo
                                  image: mongo:7
                                  ports:
                                    - {name: mongo, containerPort: 27017, protocol: TCP}
                            status:
                              phase: Running
                              podIP: 10.244.9.%d
                              podIPs: [{ip: 10.244.9.%d}]
                            ---
                            """.formatted(k, k + 10, k + 10));
                }
                write(pods, b.toString());
                Thread.sleep(250);
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static JsonNode get(HttpClient http, int port, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Authorization", "Bearer " + OPERATOR).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException(path + ": HTTP " + r.statusCode() + ": " + r.body());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Keeps the agent's log for the asserts and shows it in the test output. */
    private static final class TeeStream extends java.io.OutputStream {
        private final ByteArrayOutputStream copy;

        TeeStream(ByteArrayOutputStream copy) {
            this.copy = copy;
        }

        @Override
        public synchronized void write(int b) {
            copy.write(b);
            System.out.write(b);
        }
    }
}
