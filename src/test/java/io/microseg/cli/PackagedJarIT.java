package io.microseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's first command, run as users run it: java -jar target/microseg.jar on the demo. */
class PackagedJarIT {
    record Run(int exit, String out, String err) {}

    static Run microseg(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", "target/microseg.jar"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("microseg", ".out");
        Path err = Files.createTempFile("microseg", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("microseg finished").isTrue();
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void compilesTheDemoIntoTheSeedsFourRuleFamilies() throws Exception {
        Run run = microseg("compile", "--inventory", "config/demo/inventory", "--policies", "config/demo/policies", "--format", "json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        List<JsonNode> rules = StreamSupport.stream(json.get("rules").spliterator(), false).toList();

        // 1. consumer hosts and pods: egress to all nodes of the cluster on the node port
        assertThat(find(rules, "host/backup-prod", "EGRESS", "30017")).extracting(r -> r.get("peerSet").asText()).containsExactly("nodes:demo");
        assertThat(find(rules, "pod/demo/web/web-prod-0", "EGRESS", "30017")).extracting(r -> r.get("peerSet").asText()).containsExactly("nodes:demo");
        // 2. consumer pods: egress to the ClusterIP on the service port
        assertThat(find(rules, "pod/demo/web/web-prod-0", "EGRESS", "27017")).extracting(r -> r.get("peerSet").asText()).containsExactly("clusterip:demo/data/db");
        // 3. nodes: egress to the provider pods on the target port
        for (String node : List.of("node/demo/node-1", "node/demo/node-2")) {
            assertThat(find(rules, node, "EGRESS", "27017")).extracting(r -> r.get("peerSet").asText()).containsExactly("backends:demo/data/db:tcp/27017");
        }
        // 4. provider pods: ingress from all nodes and from the consumers on the target port
        for (String pod : List.of("pod/demo/data/db-0", "pod/demo/data/db-1")) {
            assertThat(find(rules, pod, "INGRESS", "27017")).extracting(r -> r.get("peerSet").asText())
                    .hasSize(2).contains("nodes:demo").anyMatch(s -> s.startsWith("match:"));
        }
        assertThat(members(json, "nodes:demo")).containsExactly("10.0.0.11", "10.0.0.12");
        assertThat(members(json, "backends:demo/data/db:tcp/27017")).containsExactly("10.244.1.10", "10.244.2.10");
        assertThat(members(json, "clusterip:demo/data/db")).containsExactly("10.96.0.50");
        // the development pod and host are consumers of nothing: only their catch-all
        assertThat(rules).filteredOn(r -> r.get("workload").asText().equals("host/laptop-dev"))
                .allMatch(r -> r.get("rank").asText().equals("CATCHALL"));
    }

    @Test
    void badInputExitsWith2AndOneMessageNamingFileAndFieldWithoutStackTrace(@TempDir Path dir) throws Exception {
        Path policies = Files.createDirectories(dir.resolve("policies"));
        Files.writeString(policies.resolve("bad.yaml"), """
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: bad}
                spec:
                  scope: "*"
                  policies:
                    - id: p1
                      consumer: "*"
                      provider: "*"
                      ports: ["TCP 0"]
                      action: ALLOW
                """);
        Run run = microseg("compile", "--inventory", "config/demo/inventory", "--policies", policies.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("bad.yaml").contains("ports[0]").doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Test
    void servesTheDemoOnAFreeLoopbackPort() throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", "target/microseg.jar",
                "serve", "--listen", "127.0.0.1:0");
        Path err = Files.createTempFile("microseg-serve", ".err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).as(Files.readString(err)).isNotNull().startsWith("listening on http://127.0.0.1:")
                    .contains("WITHOUT authentication (loopback only)");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)").matcher(line);
            assertThat(m.find()).isTrue();
            String base = "http://127.0.0.1:" + m.group(1);
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int status = 0;
            while (System.nanoTime() < deadline && (status = get(http, base + "/readyz").statusCode()) != 200) Thread.sleep(100);
            assertThat(status).as("ready").isEqualTo(200);
            assertThat(out.readLine()).startsWith("ready at version ");

            java.net.http.HttpResponse<String> rules = get(http, base + "/v1/nodes/demo/node-1/rules");
            assertThat(rules.statusCode()).isEqualTo(200);
            JsonNode json = new ObjectMapper().readTree(rules.body());
            assertThat(json.get("version").asLong()).isPositive();
            assertThat(StreamSupport.stream(json.get("rules").spliterator(), false).map(r -> r.get("workload").asText()))
                    .contains("node/demo/node-1", "pod/demo/data/db-0", "pod/demo/web/web-prod-0");
            assertThat(members(json, "nodes:demo")).containsExactly("10.0.0.11", "10.0.0.12");
            assertThat(get(http, base + "/metrics").body()).contains("microseg_rules ");
            // the workbench, packaged in the jar, opens at the root (without authentication on the demo)
            assertThat(get(http, base + "/").body()).contains("microseg workbench").contains("/ui/app.js");
            assertThat(get(http, base + "/ui/pages/trace.js").statusCode()).isEqualTo(200);
            assertThat(get(http, base + "/v1/session").body()).contains("\"authentication\":false");
        } finally {
            p.destroy(); // SIGTERM: the shutdown hook closes the server, the engine and the watchers
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
        }
    }

    private static java.net.http.HttpResponse<String> get(java.net.http.HttpClient http, String url) throws Exception {
        try {
            return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(java.time.Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new AssertionError("cannot connect to " + url, e);
        }
    }

    private static List<JsonNode> find(List<JsonNode> rules, String workload, String direction, String ports) {
        return rules.stream().filter(r -> r.get("workload").asText().equals(workload)
                && r.get("direction").asText().equals(direction) && r.get("ports").asText().equals(ports)).toList();
    }

    private static List<String> members(JsonNode json, String set) {
        for (JsonNode s : json.get("sets")) {
            if (s.get("id").asText().equals(set)) {
                return StreamSupport.stream(s.get("members").spliterator(), false).map(JsonNode::asText).toList();
            }
        }
        throw new AssertionError("no set " + set);
    }
}
