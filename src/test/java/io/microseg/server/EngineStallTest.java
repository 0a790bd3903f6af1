package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.config.MicrosegConfig;
import io.microseg.facts.StallGate;
import io.microseg.testing.Await;
import io.microseg.testing.LogCapture;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A consequence that does not return stalls the engine: no change reaches any agent. Beyond
 * {@code rules.stallAfter} it is logged with the rule, counted, and {@code /healthz} answers 503 (a
 * liveness probe restarts the server), while {@code /readyz} stays as it was; once the consequence
 * returns, {@code /healthz} is 200 again.
 *
 * <p>The consequence calls {@link StallGate#hold}, a test-only class of the facts package, because DRL
 * may not sleep (the code check refuses {@code Thread}); the test closes the gate, makes the rule fire
 * and opens it again, so nothing here depends on timing but the short {@code stallAfter}.
 */
class EngineStallTest {
    private static final String RULE = "A new node holds the engine for as long as the test says";

    @TempDir
    Path dir;

    @AfterEach
    void openTheGate() {
        StallGate.open();
    }

    @Test
    void aConsequenceThatDoesNotReturnIsReportedAndHealthzSaysTheEngineIsStalled() {
        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        TestFiles.write(rules.resolve("stall.drl"), """
                package rules;

                import io.microseg.facts.*;

                // Test only: opens nothing; holds the engine thread while the test's gate is closed.
                rule "%s"
                when
                    Workload(kind == WorkloadKind.NODE, $node : id)
                then
                    StallGate.hold($node);
                end
                """.formatted(RULE));
        // 2 s: short for a test, yet above the pauses of ordinary work on a busy machine (a first compile's
        // class loading can go half a second without a rule beginning or finishing)
        MicrosegConfig.Rules deploys = new MicrosegConfig.Rules(Duration.ofMillis(300), Duration.ofMillis(100), false, Duration.ofSeconds(2));
        try (TestServer t = new TestServer(dir, TestServer.settings(), rules, deploys).start()) {
            Await.until("the stall rule deployed", Duration.ofSeconds(60),
                    () -> t.get("/v1/rules", TestServer.OPERATOR).json().get("ruleNames").toString().contains(RULE));
            Await.until("healthz 200", Duration.ofSeconds(30), () -> t.get("/healthz", null).status() == 200);
            double before = stalls(t);

            StallGate.close();
            JsonNode stalled;
            try (LogCapture log = new LogCapture()) {
                TestFiles.write(t.inventory.resolve("node-3.yaml"), """
                        apiVersion: v1
                        kind: Node
                        metadata:
                          name: node-3
                        status:
                          addresses:
                            - {type: InternalIP, address: 10.0.0.13}
                        """);
                stalled = Await.value("healthz 503", Duration.ofSeconds(60), () -> {
                    TestServer.Response r = t.get("/healthz", null);
                    return r.status() == 503 ? java.util.Optional.of(r.json()) : java.util.Optional.empty();
                });
                Await.until("the stall logged", () -> log.text().contains("the engine has worked"));
                assertThat(log.text()).contains("in the consequence of rule \"" + RULE + "\"").contains("StallGate.hold");
            }
            assertThat(stalled.get("status").asText()).isEqualTo("engine stalled");
            assertThat(stalled.get("rule").asText()).isEqualTo(RULE);
            assertThat(stalled.get("stalledMillis").asLong()).isGreaterThanOrEqualTo(2000);
            assertThat(t.get("/readyz", null).status()).as("readiness is not liveness").isEqualTo(200);
            Await.until("the stall counted", () -> stalls(t) > before);

            StallGate.open();
            Await.until("healthz 200 again", Duration.ofSeconds(30), () -> t.get("/healthz", null).status() == 200);
            Await.until("node-3 compiled", Duration.ofSeconds(30), () -> t.server.feed().agents().contains("node/demo/node-3"));
        }
    }

    private static double stalls(TestServer t) {
        return t.get("/metrics", null).body().lines().filter(l -> l.startsWith("microseg_engine_stalls_total "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
    }
}
