package io.microseg.enforce.netns;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs one command (nft, ip, nsenter) with the given stdin and returns its exit code and combined
 * output. The agent runs every command it needs through one of these, so that tests can substitute
 * their own; {@link #exec} runs them for real.
 */
@FunctionalInterface
public interface CommandRunner {
    Result run(List<String> command, String stdin) throws IOException;

    /** A command's exit code (-1: it could not be run) and its stdout and stderr together. */
    record Result(int exit, String output) {}

    /** Runs the command for real, waiting for it to end. */
    static Result exec(List<String> command, String stdin) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        try {
            return new Result(p.waitFor(), out.toString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
