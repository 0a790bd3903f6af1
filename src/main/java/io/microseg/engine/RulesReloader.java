package io.microseg.engine;

import io.microseg.compile.DrlBuild;
import io.microseg.compile.DrlProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * DRL hot reload: watches the rules folder, builds an edit off the engine thread, and hands a rule
 * base that built to the engine, whose agents then get the difference as ordinary deltas. An edit
 * with errors is reported (each at {@code rules/<file>.drl:<line>:<col>}) and changes nothing: the
 * running rules stay in force.
 */
public final class RulesReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RulesReloader.class);
    private static final long QUIET_MILLIS = 200;

    /** What a reload did: the version carrying the new rules, or the problems that kept the old ones. */
    public record Outcome(long version, List<DrlProblem> problems) {
        public boolean applied() {
            return problems.isEmpty();
        }
    }

    private final Path folder;
    private final Engine engine;
    private final Consumer<Outcome> listener;
    private final Thread watcher;
    private WatchService watch;

    public RulesReloader(Path folder, Engine engine, Consumer<Outcome> listener) {
        this.folder = folder;
        this.engine = engine;
        this.listener = listener;
        this.watcher = new Thread(this::watchLoop, "microseg-rules");
        watcher.setDaemon(true);
    }

    /** Starts watching; the engine keeps the rules it has until an edit builds. */
    public void start() throws IOException {
        watch = FileSystems.getDefault().newWatchService();
        folder.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        watcher.start();
    }

    /** Builds the folder now and, if it builds, replaces the engine's rules. Safe from any thread but the engine's. */
    public synchronized Outcome reload() {
        DrlBuild.Result built = DrlBuild.build(folder);
        Outcome outcome;
        if (built.ok()) {
            outcome = new Outcome(engine.replaceRules(built.rules()).join(), List.of());
            LOG.info("rules reloaded from {} at version {}", folder, outcome.version());
        } else {
            outcome = new Outcome(engine.version(), built.problems());
            built.problems().forEach(p -> LOG.error("DRL error: {} (the running rules stay in force)", p));
        }
        listener.accept(outcome);
        return outcome;
    }

    private void watchLoop() {
        try {
            while (true) {
                WatchKey key = watch.take();
                key.pollEvents();
                key.reset();
                // an editor's save is several events: wait until the folder is quiet
                WatchKey more;
                while ((more = watch.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    more.pollEvents();
                    more.reset();
                }
                try {
                    reload();
                } catch (RuntimeException e) {
                    LOG.error("reloading the rules failed; the running rules stay in force", e);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    @Override
    public void close() {
        try {
            if (watch != null) watch.close();
        } catch (IOException e) {
            LOG.debug("closing the rules watcher", e);
        }
        watcher.interrupt();
    }
}
