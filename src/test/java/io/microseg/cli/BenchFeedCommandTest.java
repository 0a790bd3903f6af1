package io.microseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A small run of {@code bench-feed} (seconds), so the benchmark keeps working; the full size is run by hand (docs/scale.md). */
class BenchFeedCommandTest {
    @Test
    void aSmallRunReportsEveryDeltaDeliveredAndItsLatencies() throws Exception {
        BenchFeedCommand command = new BenchFeedCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        command.err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        int exit = new picocli.CommandLine(command).execute("--nodes", "5", "--watchers", "20", "--changes", "10", "--format", "json",
                "--spacing-ms", "0");
        assertThat(exit).isZero();

        JsonNode r = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(r.fieldNames()).toIterable().contains("nodes", "watchers", "changes", "connected", "deltasExpected",
                "deltasDelivered", "missed", "latencyMs", "heapAfterGcMb", "slowConsumerDisconnects");
        assertThat(r.get("nodes").asInt()).isEqualTo(5);
        assertThat(r.get("watchers").asInt()).isEqualTo(20);
        assertThat(r.get("connected").asInt()).isEqualTo(20);
        assertThat(r.get("connectedAtEnd").asInt()).isEqualTo(20);
        assertThat(r.get("deltasExpected").asLong()).isGreaterThanOrEqualTo(10 * 20 / 2);
        assertThat(r.get("deltasDelivered").asLong()).isEqualTo(r.get("deltasExpected").asLong());
        assertThat(r.get("missed").asLong()).isZero();
        assertThat(r.get("slowConsumerDisconnects").asLong()).isZero();
        assertThat(r.get("watcherLosses").asLong()).isZero();
        JsonNode latency = r.get("latencyMs");
        assertThat(latency.get("p50").asDouble()).isPositive();
        assertThat(latency.get("p99").asDouble()).isGreaterThanOrEqualTo(latency.get("p50").asDouble());
        assertThat(latency.get("max").asDouble()).isGreaterThanOrEqualTo(latency.get("p99").asDouble());
        assertThat(r.get("heapAfterGcMb").asLong()).isPositive();
    }
}
