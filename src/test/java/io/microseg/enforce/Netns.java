package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real network namespace for tests, deleted on {@link #close}. Names carry this JVM's pid, so two
 * test runs on one machine never share one.
 */
final class Netns implements AutoCloseable {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private final String name;

    private Netns(String name) {
        this.name = name;
    }

    /** Skips the calling test (with the reason) when network namespaces cannot be made here (not root, no iproute2). */
    static void assumeAvailable() {
        String probe = "mst" + ProcessHandle.current().pid() + "probe";
        CommandRunner.Result r;
        try {
            r = CommandRunner.exec(List.of("ip", "netns", "add", probe), "");
            if (r.exit() == 0) CommandRunner.exec(List.of("ip", "netns", "del", probe), "");
        } catch (IOException e) {
            r = new CommandRunner.Result(-1, "ip not found: " + e.getMessage());
        }
        assumeTrue(r.exit() == 0, "skipped: cannot create a network namespace here (needs root and iproute2): " + r.output());
    }

    static Netns create(String label) throws IOException {
        Netns n = new Netns("mst" + ProcessHandle.current().pid() + "-" + COUNT.incrementAndGet() + "-" + label);
        run("ip", "netns", "add", n.name);
        n.ip("link", "set", "lo", "up");
        return n;
    }

    String name() {
        return name;
    }

    /** {@code ip -n <this> args...}, which must succeed. */
    void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        run(cmd.toArray(String[]::new));
    }

    /** Runs a command inside this namespace with stdin; returns its result whatever it is. */
    CommandRunner.Result exec(String stdin, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(command));
        return CommandRunner.exec(cmd, stdin);
    }

    /** Runs a command inside this namespace, which must succeed; returns its output. */
    String must(String stdin, String... command) throws IOException {
        CommandRunner.Result r = exec(stdin, command);
        if (r.exit() != 0) throw new IOException(String.join(" ", command) + " in " + name + " exited " + r.exit() + ": " + r.output());
        return r.output();
    }

    /** A veth pair: {@code here} in this namespace, {@code there} in {@code other}. */
    void veth(String here, Netns other, String there) throws IOException {
        ip("link", "add", here, "type", "veth", "peer", "name", there, "netns", other.name);
        ip("link", "set", here, "up");
        other.ip("link", "set", there, "up");
    }

    static void run(String... command) throws IOException {
        CommandRunner.Result r = CommandRunner.exec(List.of(command), "");
        if (r.exit() != 0) throw new IOException(String.join(" ", command) + " exited " + r.exit() + ": " + r.output());
    }

    @Override
    public void close() throws IOException {
        CommandRunner.exec(List.of("ip", "netns", "del", name), "");
    }
}
