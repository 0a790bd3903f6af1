package io.microseg.enforce;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@code tests/e2e/run.sh} on the packaged jar: real nftables in network namespaces, real TCP
 * connections, each checked against the running server's {@code GET /v1/trace} for the same flow. The script exits 77 (skipped, with its reason) when not root or without ip/nft; with
 * MICROSEG_E2E_REQUIRED=1 (as .ci/run sets it) that is a failure.
 */
class EnforceEndToEndIT {
    @Test
    void realConnectionsAreAllowedAndBlockedAsThePolicySays() throws Exception {
        Process p = new ProcessBuilder("bash", "tests/e2e/run.sh", Path.of("target/microseg.jar").toString())
                .redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                for (String line : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    System.out.println("[e2e] " + line);
                    out.append(line).append('\n');
                }
            } catch (java.io.IOException ignored) {
            }
        });
        reader.start();
        boolean done = p.waitFor(5, TimeUnit.MINUTES);
        if (!done) p.destroy();
        reader.join(10_000);
        assertThat(done).as("tests/e2e/run.sh finished within 5 minutes").isTrue();
        // CI sets MICROSEG_E2E_REQUIRED=1: there a skip is a failure, not a pass
        boolean required = "1".equals(System.getenv("MICROSEG_E2E_REQUIRED"));
        if (required) assertThat(p.exitValue()).as("the end-to-end test must run in CI, but: " + out).isNotEqualTo(77);
        assumeTrue(p.exitValue() != 77, () -> "end-to-end test skipped: " + out.toString().trim());
        assertThat(p.exitValue()).as("tests/e2e/run.sh:\n" + out).isZero();
        assertThat(out.toString()).contains("PASS: end-to-end enforcement", "connection matrix:", "node-1 own addresses", "node-2 own addresses");
    }
}
