package io.microseg.cli;

import io.microseg.config.MicrosegConfig;
import io.microseg.config.MicrosegConfigReader;
import io.microseg.input.InputException;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The options of the live commands ({@code watch}, {@code serve}): the configuration file, and folders
 * that replace its own. Also the shutdown hook both use, so that Ctrl-C stops them cleanly.
 */
final class SourceOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "The configuration (default: config/microseg.yaml; not needed when both --inventory and --policies are given). "
                    + "Relative paths in it resolve against the current directory.")
    Path config;

    @Option(names = "--inventory", paramLabel = "DIR",
            description = "Watch this inventory folder instead of the configuration's folders (repeatable).")
    List<Path> inventory;

    @Option(names = "--policies", paramLabel = "DIR",
            description = "Watch this policy folder instead of the configuration's folders (repeatable).")
    List<Path> policies;

    /** The configuration with the command line's folders in place of its own; refuses one with nothing to read. */
    MicrosegConfig read() {
        boolean both = inventory != null && policies != null;
        MicrosegConfig c;
        if (config == null && both) {
            c = MicrosegConfig.ofFolders(List.of(), List.of());
        } else {
            Path file = configFile();
            if (config == null && !Files.exists(file)) {
                throw new InputException(file.toString(), 0, null, null, "expected the configuration file (run from the "
                        + "repository root, or give --config FILE, or both --inventory DIR and --policies DIR), found none there");
            }
            c = MicrosegConfigReader.read(file);
        }
        if (inventory != null) c = c.withInventoryFolders(inventory);
        if (policies != null) c = c.withPolicyFolders(policies);
        if (c.inventory().folders().isEmpty() && c.policies().folders().isEmpty() && c.inventory().kubernetes().isEmpty()) {
            throw new InputException(configFile().toString(), 0, null, null,
                    "expected at least one inventory or policy folder to watch, found none");
        }
        return c;
    }

    Path configFile() {
        return config != null ? config : MicrosegConfig.DEFAULT_FILE;
    }

    /** {@code inventory [dirs], clusters a, b and policies [dirs]}, as the live commands announce what they read. */
    static String describe(MicrosegConfig c) {
        String clusters = c.inventory().kubernetes().isEmpty() ? "" : ", clusters " + c.inventory().kubernetes().stream()
                .map(MicrosegConfig.KubernetesCluster::cluster).collect(Collectors.joining(", "));
        return "inventory " + c.inventory().folders() + clusters + " and policies " + c.policies().folders();
    }

    /** Something to run until stopped, that may be interrupted. */
    interface Body {
        void run() throws InterruptedException;
    }

    /**
     * Runs {@code body} with a shutdown hook that counts {@code stop} down on Ctrl-C and lets the body
     * close its engine, sources and server (up to 5 s) before the JVM halts.
     */
    static void untilStopped(String name, CountDownLatch stop, Body body) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "microseg-" + name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            body.run();
        } finally {
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what stopped us
            }
        }
    }
}
