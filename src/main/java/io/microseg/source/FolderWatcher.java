package io.microseg.source;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Watches folders recursively with a {@link WatchService} (inotify on Linux) on one daemon thread and
 * refreshes a folder once something below it changed and it has been quiet for {@link FolderSource#QUIET}
 * (at the latest {@link FolderSource#MAX_DELAY} after its first event). It does not care what changed:
 * any event below a folder, and an overflow anywhere, makes the whole folder re-read, so a lost event
 * cannot leave stale state. A watched folder that is gone, back, or replaced (renamed over) sends no
 * event of its own: each is checked every {@link FolderSource#MISSING_FOLDER_CHECK}.
 */
final class FolderWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FolderSource.class);

    private final List<WatchedFolder> folders;
    private final Map<WatchKey, Path> watchedDirs = new HashMap<>();
    private final WatchService watcher;
    private final Thread thread;
    private volatile boolean closed;

    /** Registers every folder and reads it once on the caller's thread, then starts watching. */
    FolderWatcher(List<WatchedFolder> folders) {
        this.folders = List.copyOf(folders);
        try {
            watcher = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch folders", e);
        }
        // Register first, then read: an edit between the two is seen as an event and re-read.
        for (WatchedFolder folder : this.folders) {
            registerTree(folder);
            folder.refresh();
        }
        thread = new Thread(this::run, "microseg-folders");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops the thread and waits for it (unless called from it); a refresh under way finishes first. */
    @Override
    public void close() {
        closed = true;
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.debug("closing the watch service", e);
        }
        // Closing the watch service wakes the thread; it is not interrupted, which could break a sink mid-call.
        if (thread != Thread.currentThread()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        Set<WatchedFolder> dirty = new LinkedHashSet<>();
        long firstEvent = 0;
        long lastEvent = 0;
        long lastFolderCheck = System.nanoTime();
        long quiet = FolderSource.QUIET.toNanos();
        long maxDelay = FolderSource.MAX_DELAY.toNanos();
        long folderCheck = FolderSource.MISSING_FOLDER_CHECK.toNanos();
        try {
            while (!closed) {
                long now = System.nanoTime();
                long waitNanos = lastFolderCheck + folderCheck - now;
                if (!dirty.isEmpty()) {
                    waitNanos = Math.min(waitNanos, Math.min(lastEvent + quiet, firstEvent + maxDelay) - now);
                }
                WatchKey key = waitNanos <= 0 ? watcher.poll() : watcher.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (key != null) {
                    boolean wasClean = dirty.isEmpty();
                    handle(key, dirty);
                    // Drain whatever else is queued: one burst is one pass.
                    for (WatchKey more = watcher.poll(); more != null; more = watcher.poll()) handle(more, dirty);
                    if (!dirty.isEmpty()) {
                        lastEvent = System.nanoTime();
                        if (wasClean) firstEvent = lastEvent;
                    }
                }
                now = System.nanoTime();
                if (now - lastFolderCheck >= folderCheck) {
                    lastFolderCheck = now;
                    for (WatchedFolder folder : folders) {
                        if (!Objects.equals(fileKey(folder.folder), folder.fileKey)) {
                            registerTree(folder); // now, so that files still being copied in are events
                            if (dirty.isEmpty()) firstEvent = now;
                            lastEvent = now;
                            dirty.add(folder);
                        }
                    }
                }
                if (!dirty.isEmpty() && (now - lastEvent >= quiet || now - firstEvent >= maxDelay)) {
                    List<WatchedFolder> pass = new ArrayList<>(dirty);
                    dirty.clear();
                    for (WatchedFolder folder : pass) {
                        if (closed) return;
                        refresh(folder);
                    }
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closing
        } catch (RuntimeException | Error e) {
            if (!closed) LOG.error("folder watcher stopped: {}", e.toString(), e);
            throw e;
        }
    }

    /** Re-registers and re-reads one folder; a bug in reading must not stop the watcher. */
    private void refresh(WatchedFolder folder) {
        try {
            registerTree(folder);
            folder.refresh();
        } catch (ClosedWatchServiceException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("re-reading {} failed: {}", folder.folder, e.toString(), e);
        }
    }

    private void handle(WatchKey key, Set<WatchedFolder> dirty) {
        Path dir = watchedDirs.get(key);
        boolean overflow = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) overflow = true;
        }
        boolean valid = key.reset();
        if (!valid) watchedDirs.remove(key); // the folder was deleted or moved away
        if (dir == null) return;
        for (WatchedFolder folder : folders) {
            // Any event below a folder makes it dirty; an event lost to overflow could be anywhere.
            if (overflow || dir.startsWith(folder.absolute) || folder.absolute.startsWith(dir)) dirty.add(folder);
        }
    }

    /** Watches the folder and every folder below it; folders already watched are simply watched again. */
    private void registerTree(WatchedFolder folder) {
        folder.fileKey = fileKey(folder.folder);
        if (folder.fileKey == null) return;
        try (Stream<Path> dirs = Files.walk(folder.folder)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                try {
                    WatchKey key = dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
                    watchedDirs.put(key, dir.toAbsolutePath().normalize());
                } catch (NoSuchFileException e) {
                    // deleted while walking: its parent's event makes the folder dirty again
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // A folder deleted while walking; the deletion's event brings us back here.
            LOG.debug("registering {}: {}", folder.folder, e.toString());
        }
    }

    /** The identity of a folder (its inode on Linux); null when there is no folder there. */
    private static Object fileKey(Path folder) {
        try {
            BasicFileAttributes a = Files.readAttributes(folder, BasicFileAttributes.class);
            if (!a.isDirectory()) return null;
            return a.fileKey() != null ? a.fileKey() : a.creationTime();
        } catch (IOException e) {
            return null;
        }
    }
}
