package io.microseg.source;

import io.microseg.engine.Change;
import io.microseg.input.InputException;
import io.microseg.inventory.InventoryReader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Watches folders of inventory and policy YAML and turns what is saved there into {@link Change}s.
 *
 * <ul>
 *   <li>An <b>inventory folder</b> is one source, {@code folder:<folder>}: on start and after any change
 *   below it the whole folder is re-read with {@link InventoryReader#readObjects(Path)} and delivered
 *   as a {@link Change.Replace}, only when the objects differ from the last ones delivered.</li>
 *   <li>A <b>policy folder</b> is one source per file, {@code file:<path>} for every {@code *.yaml},
 *   {@code *.yml} and {@code *.json} below it: a new or changed file is delivered as {@link Change.Workspaces}, a deleted
 *   one as {@code Workspaces(source, [])}; its NetworkPolicies and ClusterNetworkPolicies (read by
 *   {@link PolicyInputs}, each in the cluster it names) as a {@link Change.Replace} of that source, when
 *   they differ from those delivered before. A workspace name, a NetworkPolicy (cluster, namespace and
 *   name) or a ClusterNetworkPolicy (cluster and name) already held by another file refuses the whole
 *   file, naming both.</li>
 * </ul>
 *
 * Bad input never reaches the sink: the problem is logged as one line (file, line, object, field,
 * expectation) and passed to the problem listener, and the last good state of that folder or file
 * stays in force until it is fixed. A watched folder that disappears is such a problem too: its last
 * good state stays, and the folder is picked up again when it comes back.
 *
 * <p>Folders are watched recursively on one daemon thread ({@link FolderWatcher}). Events are
 * debounced: a folder is re-read once it has been quiet for {@link #QUIET}, so an editor's save burst
 * (temporary file, rename, chmod) is one change, and at the latest {@link #MAX_DELAY} after its first
 * event even if writes never stop. Atomic-rename saves, new and deleted files, new, moved and deleted
 * subfolders are all seen as "something below this folder changed"; what changed is found by
 * re-reading ({@link InventoryFolder}, {@link PolicyFolder}, {@link PolicyDelivery}), not from the
 * events, so a lost event (overflow) cannot leave stale state.
 *
 * <p>{@link #start()} reads every folder once on the caller's thread, so the initial changes have
 * reached the sink when it returns; after that the sink is called from the watcher thread only, never
 * concurrently. After {@link #close()} returns the sink is not called again.
 */
public final class FolderSource implements AutoCloseable {
    /** How long a folder must be quiet before it is re-read. */
    public static final Duration QUIET = Duration.ofMillis(150);
    /** The longest a change waits while writes below the folder keep going. */
    public static final Duration MAX_DELAY = Duration.ofMillis(1000);
    /** How often each watched folder itself is checked for being gone, back or replaced. */
    static final Duration MISSING_FOLDER_CHECK = Duration.ofMillis(250);

    private final FolderOutput output;
    private final PolicyDelivery policies;
    private final List<WatchedFolder> folders = new ArrayList<>();

    private FolderWatcher watcher;
    private boolean closed;
    private boolean started;

    /** Delivers changes to {@code sink}; problems are logged. */
    public FolderSource(Consumer<Change> sink) {
        this(sink, problem -> {});
    }

    /**
     * Delivers changes to {@code sink}; every problem is logged and also passed to {@code problems}
     * (on the thread that found it), e.g. for a command line that prints them beside the changes.
     */
    public FolderSource(Consumer<Change> sink, Consumer<InputException> problems) {
        this.output = new FolderOutput(sink, problems);
        this.policies = new PolicyDelivery(output);
    }

    /** Watches a folder of inventory manifests (before {@link #start()}). */
    public synchronized FolderSource watchInventory(Path folder) {
        add(new InventoryFolder(folder, output));
        return this;
    }

    /** Watches a folder of Workspace documents (before {@link #start()}). */
    public synchronized FolderSource watchPolicies(Path folder) {
        PolicyFolder f = new PolicyFolder(folder, output, policies);
        add(f);
        policies.add(f);
        return this;
    }

    private void add(WatchedFolder folder) {
        if (started) throw new IllegalStateException("folders must be added before start()");
        folders.add(folder);
    }

    /**
     * Reads every folder and delivers the initial changes, then starts watching.
     *
     * @throws InputException when a watched folder does not exist (a mistyped path fails at once; a
     *                        folder that disappears later is waited for instead)
     */
    public synchronized void start() {
        if (started) throw new IllegalStateException("already started");
        if (closed) throw new IllegalStateException("closed");
        for (WatchedFolder folder : folders) {
            if (!Files.isDirectory(folder.folder)) {
                throw new InputException(folder.folder.toString(), 0, null, null,
                        "expected a folder of YAML files to watch, found none there");
            }
        }
        started = true;
        watcher = new FolderWatcher(folders);
    }

    /** Stops watching. Idempotent; the sink is not called after this returns (unless called from the sink). */
    @Override
    public void close() {
        FolderWatcher w;
        synchronized (this) {
            if (closed) return;
            closed = true;
            output.close();
            w = watcher;
        }
        if (w != null) w.close();
    }
}
