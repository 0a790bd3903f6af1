package io.microseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.bench.EnforceBenchmark;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A tiny run of {@code bench-enforce} in real namespaces, so the benchmark keeps working; the full size is run by hand (docs/scale.md). */
class BenchEnforceCommandTest {
    @Test
    void aTinyRunMeasuresEveryKindOfDeltaAndTheResync() throws Exception {
        String why = EnforceBenchmark.unavailable();
        assumeTrue(why == null, "skipped: " + why);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = run(out, err, "--pods", "3", "--set-members", "50", "--samples", "3", "--warmup", "1", "--resyncs", "2", "--format", "json");
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();

        JsonNode r = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(r.get("pods").asInt()).isEqualTo(3);
        assertThat(r.get("namespaces").asInt()).isEqualTo(4);
        assertThat(r.get("setMembers").asInt()).isEqualTo(50);
        JsonNode deltas = r.get("deltaToAppliedMs");
        assertThat(deltas.fieldNames()).toIterable().containsExactly("setMemberAdded", "setMemberRemoved", "podRuleAdded", "podRuleRemoved",
                "podAdded", "podRemoved");
        deltas.forEach(d -> {
            assertThat(d.get("samples").asInt()).isEqualTo(3);
            assertThat(d.get("p50").asDouble()).isPositive();
            assertThat(d.get("p99").asDouble()).isGreaterThanOrEqualTo(d.get("p50").asDouble());
            assertThat(d.get("nftCpuMs").isNumber()).as("the nft processes' share of cpuMs").isTrue();
            assertThat(d.get("jitCpuMs").isNumber()).as("the JIT compiler threads' share of cpuMs").isTrue();
        });
        assertThat(r.get("fullResyncMs").get("samples").asInt()).isEqualTo(2);
        assertThat(r.get("unchangedResyncMs").get("samples").asInt()).isEqualTo(2);
        // first apply 4 + 3 kinds x (1 + 3) rounds x 2 deltas (a set member: 4 namespaces, a rule: 1, a pod: 1) + 2 full
        // resyncs x 4 + 2 resyncs of an unchanged node x 0
        assertThat(r.get("nftRuns").asLong()).isEqualTo(4 + 4 * 2 * 4 + 4 * 2 + 4 * 2 + 2 * 4);
        Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).as("the namespaces are deleted")
                .doesNotContain("msbench" + ProcessHandle.current().pid() + "-");
    }

    @Test
    void badOptionsAreRefused() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(run(new ByteArrayOutputStream(), err, "--pods", "0")).isEqualTo(Main.BAD_INPUT);
        assertThat(run(new ByteArrayOutputStream(), err, "--format", "xml")).isEqualTo(Main.BAD_INPUT);
        assertThat(run(new ByteArrayOutputStream(), err, "--warmup", "-1")).isEqualTo(Main.BAD_INPUT);
    }

    private static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        BenchEnforceCommand command = new BenchEnforceCommand();
        command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        return new picocli.CommandLine(command).setExitCodeExceptionMapper(e -> Main.BAD_INPUT).execute(args);
    }
}
