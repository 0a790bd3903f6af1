package io.microseg.cli;

import io.microseg.compile.RuleBase;
import io.microseg.config.MicrosegConfig;
import io.microseg.engine.ChangeSet;
import io.microseg.engine.Engine;
import io.microseg.source.Sources;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Runs the engine on watched folders and prints every change set as it happens: one line per rule "
                + "added or removed and per address-set member that joined or left, with its version. Runs until interrupted (Ctrl-C).",
                "Bad input in a watched file is reported on stderr and changes nothing: the last good version stays in force."})
final class WatchCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    SourceOptions options = new SourceOptions();

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
        MicrosegConfig sources = options.read();
        SourceOptions.untilStopped("watch", stop, () -> {
            try (Engine engine = new Engine(RuleBase.packaged());
                 Sources all = new Sources(sources, engine::submit, Duration.ofSeconds(30))) {
                engine.subscribe(this::print);
                engine.start();
                synchronized (out) {
                    out.println("watching " + SourceOptions.describe(sources) + " (Ctrl-C to stop)");
                    out.flush();
                }
                all.start();
                engine.sync().join();
                ready.countDown();
                stop.await();
            }
        });
        return 0;
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
