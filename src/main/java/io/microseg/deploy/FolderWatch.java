package io.microseg.deploy;

import io.microseg.compile.RuleFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Follows the content of a rules folder, by what it holds rather than by which directory it is: the
 * folder is read and digested every {@code pollInterval}, and sooner when the file system reports a
 * change in it or in its parent. So a folder deleted and recreated ({@code rm -rf rules && mv rules.new
 * rules}), a folder that is a link repointed elsewhere, and a Kubernetes ConfigMap volume whose
 * {@code ..data} link is swapped are all followed: each is just a new content.
 *
 * <p>A content is offered to the listener once it is <em>settled</em>: read the same for at least
 * {@code quietPeriod}, so that a folder still being written (files appearing one by one, a file
 * half-copied) is never taken for a rule set. The listener says whether it is done with that content;
 * if not (a condition that can change without the content changing, such as permissions), it is
 * offered again at the next poll.
 */
public final class FolderWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FolderWatch.class);

    /**
     * The folder as read at one moment.
     *
     * @param files   what it held; null when it could not be read
     * @param problem why it could not be read (null when it could); {@code missing} tells a folder that is not there
     * @param missing whether the folder does not exist
     * @param digest  the content's digest; for an unreadable folder, a name for that state
     * @param since   since when the folder has read the same
     */
    public record Reading(RuleFiles files, String problem, boolean missing, String digest, Instant since) {
        public boolean settled(Instant now, Duration quietPeriod) {
            return !now.isBefore(since.plus(quietPeriod));
        }

        /** How long, from {@code now}, until the reading is settled (zero when it is). */
        Duration untilSettled(Instant now, Duration quietPeriod) {
            Duration left = Duration.between(now, since.plus(quietPeriod));
            return left.isNegative() ? Duration.ZERO : left;
        }
    }

    private final Path folder;
    private final Duration quietPeriod;
    private final Duration pollInterval;
    private final Clock clock;
    private final Predicate<Reading> listener;
    private final Thread thread;
    private volatile boolean closed;
    private String lastDigest;
    private Instant since;
    /** The digest the listener is done with. */
    private String done;
    private WatchService watch;
    private final Map<Path, WatchKey> keys = new HashMap<>();

    /**
     * @param listener given each settled content; returns true when it is done with it (it is then not
     *                 offered again until the content changes)
     */
    public FolderWatch(Path folder, Duration quietPeriod, Duration pollInterval, Clock clock, Predicate<Reading> listener) {
        this.folder = folder.toAbsolutePath().normalize();
        this.quietPeriod = quietPeriod;
        this.pollInterval = pollInterval;
        this.clock = clock;
        this.listener = listener;
        this.thread = new Thread(this::run, "microseg-rules-watch");
        thread.setDaemon(true);
    }

    /** Starts following the folder; {@code current} is the digest already in force, which is not offered. */
    public void start(String current) {
        synchronized (this) {
            done = current;
        }
        try {
            watch = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            LOG.warn("no file-system notifications for {} ({}): polling every {} ms only", folder, e.toString(), pollInterval.toMillis());
        }
        thread.start();
    }

    public Path folder() {
        return folder;
    }

    /** Reads the folder now, and records since when its content has been the same. */
    public synchronized Reading read() {
        Instant now = clock.instant();
        RuleFiles files = null;
        String problem = null;
        boolean missing = false;
        String digest;
        try {
            files = RuleFiles.read(folder);
            digest = files.digest();
        } catch (NoSuchFileException e) {
            missing = true;
            problem = "the folder " + folder + " does not exist";
            digest = "missing";
        } catch (IOException | RuntimeException e) {
            // a file removed or replaced while it was read: the folder is changing, or unreadable
            problem = "cannot read " + folder + ": " + e;
            digest = "unreadable: " + e;
        }
        if (!digest.equals(lastDigest)) {
            lastDigest = digest;
            since = now;
        }
        return new Reading(files, problem, missing, digest, since);
    }

    /** One round: reads the folder and offers it to the listener if it is settled and new to it. Returns the reading. */
    Reading tick() {
        Reading r = read();
        boolean offer;
        synchronized (this) {
            offer = r.settled(clock.instant(), quietPeriod) && !r.digest().equals(done);
        }
        if (offer) {
            boolean finished = false;
            try {
                finished = listener.test(r);
            } catch (RuntimeException e) {
                LOG.error("deploying the rules of {} failed; the running rules stay in force", folder, e);
            }
            if (finished) {
                synchronized (this) {
                    done = r.digest();
                }
            }
        }
        return r;
    }

    /** Marks a content as dealt with (by a reload asked for explicitly), so that it is not offered again. */
    synchronized void handled(String digest) {
        done = digest;
    }

    private void run() {
        while (!closed) {
            Duration wait = pollInterval;
            try {
                register();
                Reading r = tick();
                Duration left = r.untilSettled(clock.instant(), quietPeriod);
                if (!left.isZero() && left.compareTo(wait) < 0) wait = left.plusMillis(1);
            } catch (RuntimeException e) {
                LOG.error("watching {} failed; retrying in {} ms", folder, wait.toMillis(), e);
            }
            if (!await(wait)) return;
        }
    }

    /** Waits for a file-system event or {@code wait}; false once closed. */
    private boolean await(Duration wait) {
        try {
            if (watch == null) {
                Thread.sleep(Math.max(1, wait.toMillis()));
                return !closed;
            }
            WatchKey key = watch.poll(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
            while (key != null) {
                key.pollEvents();
                key.reset();
                key = watch.poll();
            }
            return !closed;
        } catch (InterruptedException | ClosedWatchServiceException e) {
            return false;
        }
    }

    /**
     * Watches the folder (where it really is now) and the directory that holds its name, re-registering
     * when either has changed: a recreated folder is a new directory, a repointed link another one.
     */
    private void register() {
        if (watch == null) return;
        Set<Path> wanted = new LinkedHashSet<>();
        if (folder.getParent() != null) wanted.add(folder.getParent());
        try {
            if (Files.isDirectory(folder)) wanted.add(folder.toRealPath());
        } catch (IOException e) {
            // gone between the check and the resolution: the parent still tells when it is back
        }
        keys.entrySet().removeIf(e -> {
            boolean stale = !wanted.contains(e.getKey()) || !e.getValue().isValid();
            if (stale) e.getValue().cancel();
            return stale;
        });
        for (Path dir : wanted) {
            if (keys.containsKey(dir)) continue;
            try {
                keys.put(dir, dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE));
            } catch (IOException | ClosedWatchServiceException e) {
                LOG.debug("cannot watch {}: {}; polling", dir, e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            if (watch != null) watch.close();
        } catch (IOException e) {
            LOG.debug("closing the rules watcher", e);
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
