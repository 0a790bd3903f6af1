package io.microseg.source;

import io.microseg.input.InputException;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One folder a {@link FolderSource} watches: {@link #refresh()} re-reads all of it and delivers what
 * differs from what was delivered before. Called on one thread at a time (the caller of
 * {@link FolderSource#start()}, then the watcher thread).
 */
abstract class WatchedFolder {
    final Path folder;
    final Path absolute;
    final FolderOutput output;
    /** The folder was found gone and reported; it is reported again only after it was back. */
    boolean missing;
    /** The identity of the folder when it was last registered: a change means it was deleted or replaced. */
    Object fileKey;

    WatchedFolder(Path folder, FolderOutput output) {
        this.folder = Objects.requireNonNull(folder, "folder");
        this.absolute = folder.toAbsolutePath().normalize();
        this.output = output;
    }

    /** Re-reads the folder and delivers what changed. */
    abstract void refresh();

    /** Reports the folder gone, once until it is back; what was delivered from it stays ({@code keeping}). */
    void gone(String keeping) {
        if (missing) return;
        missing = true;
        output.problem(new InputException(folder.toString(), 0, null, null,
                "expected a folder of YAML files, found none there"), keeping);
    }
}
