package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs {@code nft -c -f -} (check only: nothing is applied) on a script, for tests. */
final class Nft {
    private Nft() {}

    record Result(int exit, String output) {}

    /** Skips the calling test (with the reason) when nft is missing or may not be run (not root). */
    static void assumeAvailable() {
        Result r;
        try {
            r = run(List.of("nft", "-c", "-f", "-"), "table inet microseg_probe {}\n");
        } catch (IOException e) {
            r = new Result(-1, "nft not found: " + e.getMessage() + " (CI installs the nftables package)");
        }
        assumeTrue(r.exit() == 0, "skipped: cannot run 'nft -c' here: " + r.output());
    }

    static Result check(String script) throws IOException {
        return run(List.of("nft", "-c", "-f", "-"), script);
    }

    static Result run(List<String> command, String stdin) throws IOException {
        CommandRunner.Result r = CommandRunner.exec(command, stdin);
        return new Result(r.exit(), r.output());
    }
}
