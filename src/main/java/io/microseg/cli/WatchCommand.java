package io.microseg.cli;

import io.microseg.compile.RuleBase;
import io.microseg.config.MicrosegConfig;
import io.microseg.config.MicrosegConfigReader;
import io.microseg.engine.ChangeSet;
import io.microseg.engine.Engine;
import io.microseg.input.InputException;
import io.microseg.source.Sources;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Runs the engine on watched folders and prints every change set as it happens: one line per rule "
                + "added or removed and per address-set member that joined or left, with its version. Runs until interrupted (Ctrl-C).",
                "Bad input in a watched file is reported on stderr and changes nothing: the last good version stays in force."})
final class WatchCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE",
            description = "The sources to read (default: config/microseg.yaml; not needed when both --inventory and --policies are given). "
                    + "Relative paths in it resolve against the current directory.")
    Path config;

    @Option(names = "--inventory", paramLabel = "DIR",
            description = "Watch this inventory folder instead of the configuration's folders (repeatable).")
    List<Path> inventory;

    @Option(names = "--policies", paramLabel = "DIR",
            description = "Watch this policy folder instead of the configuration's folders (repeatable).")
    List<Path> policies;

    /** Counted down to stop watching: by the shutdown hook on Ctrl-C, or by a test. */
    final CountDownLatch stop = new CountDownLatch(1);
    /** Counted down once the engine has started and the folders' initial state has been compiled. */
    final CountDownLatch ready = new CountDownLatch(1);
    /** Workloads the engine has placed on an agent so far (for tests: proof a source was read). */
    final java.util.Set<String> placementsSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws InterruptedException {
        MicrosegConfig sources = sources();
        if (sources.inventory().folders().isEmpty() && sources.policies().folders().isEmpty()
                && sources.inventory().kubernetes().isEmpty()) {
            throw new InputException(configFile().toString(), 0, null, null,
                    "expected at least one inventory or policy folder to watch, found none");
        }

        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(5, TimeUnit.SECONDS); // let the engine and watcher close before the JVM halts
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "microseg-watch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Engine engine = new Engine(RuleBase.packaged());
             Sources all = new Sources(sources, engine::submit, Duration.ofSeconds(30))) {
            engine.subscribe(this::print);
            engine.start();
            synchronized (out) {
                out.println("watching inventory " + sources.inventory().folders() + clusters(sources) + " and policies "
                        + sources.policies().folders() + " (Ctrl-C to stop)");
                out.flush();
            }
            all.start();
            engine.sync().join();
            ready.countDown();
            stop.await();
        } finally {
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what stopped us
            }
        }
        return 0;
    }

    private static String clusters(MicrosegConfig c) {
        return c.inventory().kubernetes().isEmpty() ? "" : ", clusters " + c.inventory().kubernetes().stream()
                .map(MicrosegConfig.KubernetesCluster::cluster).collect(Collectors.joining(", "));
    }

    /** The configuration with the command line's folders in place of its own. */
    private MicrosegConfig sources() {
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
        return c;
    }

    private Path configFile() {
        return config != null ? config : MicrosegConfig.DEFAULT_FILE;
    }

    /** Runs on the engine thread: the whole change set at once, so that lines of two never mix. */
    private void print(ChangeSet changes) {
        changes.placements().forEach(p -> placementsSeen.add(p.workload()));
        List<String> lines = ChangeSetLines.of(changes);
        synchronized (out) {
            lines.forEach(out::println);
            out.flush();
        }
    }
}
