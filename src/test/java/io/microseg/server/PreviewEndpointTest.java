package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.config.MicrosegConfig;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.matrix.DiffEvaluation;
import io.microseg.matrix.DiffJson;
import io.microseg.policy.PolicyReader;
import io.microseg.policy.Workspace;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/preview} on a real server on the demo, over HTTP: a candidate policy that cuts
 * production from db shows those flips (the same JSON as {@code diff} offline), a DRL edit names the
 * DRL rule, broken candidates answer 422 with their file and line, agents get 403, the limits hold,
 * and the live rules and feed do not move.
 */
class PreviewEndpointTest {
    private static final String PROVIDER_RULE = "Provider pods accept the consumers on the target port";
    private static final String CUT = "pod/demo/web/web-prod-0 service/demo/data/db tcp/27017";

    @TempDir
    Path dir;

    @Test
    void candidatesShowTheirFlipsAndNothingLiveChanges() throws Exception {
        MicrosegConfig.Server settings = TestServer.settings().withPreview(new MicrosegConfig.Preview(256 * 1024, 1000, 100_000,
                Duration.ofSeconds(30)));
        try (TestServer t = new TestServer(dir, settings).start()) {
            String rulesBefore = t.get("/v1/nodes/demo/node-1/rules", TestServer.NODE_1).body();
            String rulesStatus = t.get("/v1/rules", TestServer.OPERATOR).body();
            long version = t.server.feed().version();

            // a candidate policy that cuts production (by its Kubernetes label) from db
            String policy = TestFiles.read(t.policies.resolve("demo.yaml"))
                    .replace("environment = production OR orchestrator_environment = production", "environment = production");
            TestServer.Response cut = t.post("/v1/preview", TestServer.OPERATOR, body(Map.of("demo.yaml", policy), Map.of()));
            assertThat(cut.status()).as(cut.body()).isEqualTo(200);
            Map<String, JsonNode> flips = flips(cut.json());
            assertThat(flips).containsKey(CUT);
            assertThat(flips.get(CUT).get("before").asText()).isEqualTo("ALLOW");
            assertThat(flips.get(CUT).get("after").asText()).isEqualTo("DENY");
            assertThat(flips.get(CUT).get("before_by").get("policy").asText()).isEqualTo("demo/production-to-db");
            assertThat(flips.get(CUT).get("after_by").get("policy").asText()).isEqualTo("demo/catch-all");
            assertThat(cut.json().get("summary").get("allowToDeny").asInt()).isEqualTo(4);
            assertThat(cut.json().get("version").asLong()).isEqualTo(version);
            // the same flips as diff offline on the same files
            Path candidate = dir.resolve("candidate");
            TestFiles.write(candidate.resolve("demo.yaml"), policy);
            ObjectNode answer = (ObjectNode) cut.json();
            answer.remove("version");
            assertThat(answer).isEqualTo(TestServer.JSON.readTree(offline(t.inventory, t.policies, candidate)));

            // a DRL edit: without the rule, the flips name it on the before side
            String services = TestFiles.read(Path.of("rules/services.drl"));
            int start = services.indexOf("rule \"" + PROVIDER_RULE + "\"");
            String withoutIt = services.substring(0, start) + services.substring(services.indexOf("\nend\n", start) + 5);
            TestServer.Response drl = t.post("/v1/preview", TestServer.OPERATOR, body(Map.of(), Map.of("services.drl", withoutIt)));
            assertThat(drl.status()).as(drl.body()).isEqualTo(200);
            Map<String, JsonNode> drlFlips = flips(drl.json());
            assertThat(drlFlips).containsKey(CUT);
            assertThat(drlFlips.values()).allSatisfy(f -> assertThat(f.get("before_by").get("rule").asText()).isEqualTo(PROVIDER_RULE));
            assertThat(drlFlips.get(CUT).get("after_by").get("hop").asText()).isEqualTo("destination ingress");

            // a broken DRL: 422 with its file, line and column
            String broken = services.replace("$g : ServiceGrant()", "$g : ServiceGrant(");
            int line = (int) services.substring(0, services.indexOf("$g : ServiceGrant()")).chars().filter(c -> c == '\n').count() + 1;
            TestServer.Response bad = t.post("/v1/preview", TestServer.OPERATOR, body(Map.of(), Map.of("rules/services.drl", broken)));
            assertThat(bad.status()).as(bad.body()).isEqualTo(422);
            String location = bad.json().get("problems").get(0).get("location").asText();
            assertThat(location).matches("rules/services\\.drl:\\d+:\\d+");
            assertThat(Integer.parseInt(location.split(":")[1])).isBetween(line, line + 2);

            // a broken policy: 422 with its file and line
            TestServer.Response badPolicy = t.post("/v1/preview", TestServer.OPERATOR,
                    body(Map.of("demo.yaml", policy.replace("action: ALLOW", "action: MAYBE")), Map.of()));
            assertThat(badPolicy.status()).as(badPolicy.body()).isEqualTo(422);
            int policyLine = (int) policy.substring(0, policy.indexOf("action: ALLOW")).chars().filter(c -> c == '\n').count() + 1;
            assertThat(badPolicy.json().get("problems").get(0).get("location").asText()).isEqualTo("demo.yaml:" + policyLine);

            // who may ask, and what is a request
            assertThat(t.post("/v1/preview", TestServer.NODE_1, body(Map.of("demo.yaml", policy), Map.of())).status()).isEqualTo(403);
            assertThat(t.post("/v1/preview", null, body(Map.of("demo.yaml", policy), Map.of())).status()).isEqualTo(401);
            assertThat(t.post("/v1/preview", TestServer.OPERATOR, "{\"workspaces\": [").status()).isEqualTo(400);
            assertThat(t.post("/v1/preview", TestServer.OPERATOR, "{}").status()).isEqualTo(400);
            assertThat(t.post("/v1/preview", TestServer.OPERATOR, "{\"rules\": {\"../x.drl\": \"\"}}").status()).isEqualTo(400);
            assertThat(t.post("/v1/preview", TestServer.OPERATOR, "{\"rules\": {\"x.drl\": \"\"}, \"ports\": [\"tcp/0\"]}").status())
                    .isEqualTo(400);
            // the limits: the body, and the flows to trace (100 ports x the demo's classes is beyond 1,000)
            TestServer.Response large = t.post("/v1/preview", TestServer.OPERATOR,
                    body(Map.of("demo.yaml", policy + "#" + "x".repeat(300 * 1024)), Map.of()));
            assertThat(large.status()).isEqualTo(413);
            assertThat(large.json().get("error").asText()).contains("server.preview.maxBodyBytes");
            List<String> ports = new ArrayList<>();
            for (int p = 1; p <= 100; p++) ports.add("\"tcp/" + p + "\"");
            String many = body(Map.of("demo.yaml", policy), Map.of());
            many = many.substring(0, many.length() - 1) + ",\"ports\":[" + String.join(",", ports) + "]}";
            TestServer.Response tooMany = t.post("/v1/preview", TestServer.OPERATOR, many);
            assertThat(tooMany.status()).as(tooMany.body()).isEqualTo(422);
            assertThat(tooMany.json().get("error").asText()).contains("server.preview.maxFlows").contains("narrow it");

            // nothing applied
            assertThat(t.server.feed().version()).isEqualTo(version);
            assertThat(t.get("/v1/nodes/demo/node-1/rules", TestServer.NODE_1).body()).isEqualTo(rulesBefore);
            assertThat(t.get("/v1/rules", TestServer.OPERATOR).body()).isEqualTo(rulesStatus);
            assertThat(t.get("/v1/trace?from=pod/demo/web/web-prod-0&to=db.data&port=tcp/27017", TestServer.OPERATOR).json()
                    .get("verdict").asText()).isEqualTo("ALLOW");
        }
    }

    private static String body(Map<String, String> workspaces, Map<String, String> rules) throws Exception {
        ObjectNode b = TestServer.JSON.createObjectNode();
        if (!workspaces.isEmpty()) b.set("workspaces", TestServer.JSON.valueToTree(workspaces));
        if (!rules.isEmpty()) b.set("rules", TestServer.JSON.valueToTree(rules));
        return TestServer.JSON.writeValueAsString(b);
    }

    private static Map<String, JsonNode> flips(JsonNode answer) {
        Map<String, JsonNode> m = new java.util.HashMap<>();
        for (JsonNode f : answer.get("flips")) m.put(f.get("from").asText() + " " + f.get("to").asText() + " " + f.get("port").asText(), f);
        return m;
    }

    /** The diff JSON of the command, on these folders. */
    private static String offline(Path inventory, Path before, Path after) {
        RuleBase rules = TestServer.rules();
        Inventory inv = InventoryReader.read(inventory);
        List<Workspace> wb = PolicyReader.read(before);
        List<Workspace> wa = PolicyReader.read(after);
        DiffEvaluation.Side b = new DiffEvaluation.Side(new Compiler(rules).compile(inv, wb), inv, wb);
        DiffEvaluation.Side a = new DiffEvaluation.Side(new Compiler(rules).compile(inv, wa), inv, wa);
        StringWriter out = new StringWriter();
        DiffJson.write(DiffEvaluation.evaluate(b, a, null, null, DiffEvaluation.portsNamed(b, a)), out);
        return out.toString();
    }
}
