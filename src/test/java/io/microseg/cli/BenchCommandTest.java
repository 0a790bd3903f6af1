package io.microseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** A smoke test of the bench command on a tiny cluster: seconds, not the benchmark itself. */
class BenchCommandTest {
    @Test
    void printsOneJsonObjectWithTheFigures() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        int exit = cli.execute("bench", "--pods", "200", "--nodes", "5", "--services", "40", "--policies", "50", "--seed", "3",
                "--samples", "3", "--warmup", "1", "--churn-seconds", "0.2", "--churn-batch", "20", "--format", "json");

        assertThat(exit).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        for (String field : new String[]{"compileMillis", "compileCpuMillis", "compileGcPauseMillis", "heapBytesAfterGc", "rules", "sets", "podAddP99Micros",
                "podRelabelP99Micros", "changesPerSecond", "podDeleteP50Micros", "serviceTypeChangeP99Micros",
                "endpointChangeP99Micros", "policyAddP99Micros", "policyDeleteP99Micros", "podChangePerAgentMax"}) {
            assertThat(json.has(field)).as(field).isTrue();
        }
        assertThat(json.get("pods").asInt()).isEqualTo(200);
        assertThat(json.get("rules").asLong()).isPositive();
        assertThat(json.get("sets").asLong()).isPositive();
        assertThat(json.get("heapBytesAfterGc").asLong()).isPositive();
        assertThat(json.get("compileCpuMillis").asLong()).as("the engine thread worked").isPositive()
                .isLessThanOrEqualTo(json.get("compileMillis").asLong() + 1000);
        assertThat(json.get("changesPerSecond").asDouble()).isPositive();
        assertThat(json.get("podAddP99Micros").asLong()).isGreaterThanOrEqualTo(json.get("podAddP50Micros").asLong());
    }
}
