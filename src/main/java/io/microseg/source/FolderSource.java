package io.microseg.source;

import io.microseg.engine.Change;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.InventoryObject;
import io.microseg.inventory.InventoryReader;
import io.microseg.inventory.KubernetesPolicy;
import io.microseg.inventory.NetworkPolicy;
import io.microseg.policy.PolicyInputs;
import io.microseg.policy.Workspace;
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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

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
 * <p>Folders are watched recursively with a {@link WatchService} (inotify on Linux) on one daemon
 * thread. Events are debounced: a folder is re-read once it has been quiet for {@link #QUIET}, so an
 * editor's save burst (temporary file, rename, chmod) is one change, and at the latest {@link #MAX_DELAY}
 * after its first event even if writes never stop. Atomic-rename saves, new and deleted files, new,
 * moved and deleted subfolders are all seen as "something below this folder changed"; what changed is
 * found by re-reading, not from the events, so a lost event (overflow) cannot leave stale state.
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

    private static final Logger LOG = LoggerFactory.getLogger(FolderSource.class);

    private final Consumer<Change> sink;
    private final Consumer<InputException> problems;
    private final List<Root> roots = new ArrayList<>();
    private final Map<WatchKey, Path> watchedDirs = new HashMap<>();

    private WatchService watcher;
    private Thread thread;
    private volatile boolean closed;
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
        this.sink = Objects.requireNonNull(sink, "sink");
        this.problems = Objects.requireNonNull(problems, "problems");
    }

    /** Watches a folder of inventory manifests (before {@link #start()}). */
    public synchronized FolderSource watchInventory(Path folder) {
        add(new InventoryRoot(folder));
        return this;
    }

    /** Watches a folder of Workspace documents (before {@link #start()}). */
    public synchronized FolderSource watchPolicies(Path folder) {
        add(new PolicyRoot(folder));
        return this;
    }

    private void add(Root root) {
        if (started) throw new IllegalStateException("folders must be added before start()");
        roots.add(root);
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
        for (Root root : roots) {
            if (!Files.isDirectory(root.folder)) {
                throw new InputException(root.folder.toString(), 0, null, null,
                        "expected a folder of YAML files to watch, found none there");
            }
        }
        started = true;
        try {
            watcher = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch folders", e);
        }
        // Register first, then read: an edit between the two is seen as an event and re-read.
        for (Root root : roots) {
            registerTree(root);
            root.refresh();
        }
        thread = new Thread(this::run, "microseg-folders");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops watching. Idempotent; the sink is not called after this returns (unless called from the sink). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) return;
            closed = true;
            t = thread;
            if (watcher != null) {
                try {
                    watcher.close();
                } catch (IOException e) {
                    LOG.debug("closing the watch service", e);
                }
            }
        }
        // Closing the watch service wakes the thread; it is not interrupted, which could break a sink mid-call.
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- the watcher thread ----

    private void run() {
        Set<Root> dirty = new LinkedHashSet<>();
        long firstEvent = 0;
        long lastEvent = 0;
        long lastFolderCheck = System.nanoTime();
        try {
            while (!closed) {
                long now = System.nanoTime();
                long waitNanos = lastFolderCheck + MISSING_FOLDER_CHECK.toNanos() - now;
                if (!dirty.isEmpty()) {
                    waitNanos = Math.min(waitNanos, Math.min(lastEvent + QUIET.toNanos(), firstEvent + MAX_DELAY.toNanos()) - now);
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
                if (now - lastFolderCheck >= MISSING_FOLDER_CHECK.toNanos()) {
                    lastFolderCheck = now;
                    // A watched folder that is gone, back, or another folder now (renamed over it)
                    // sends no event of its own.
                    for (Root root : roots) {
                        if (!Objects.equals(fileKey(root.folder), root.fileKey)) {
                            registerTree(root); // now, so that files still being copied in are events
                            if (dirty.isEmpty()) firstEvent = now;
                            lastEvent = now;
                            dirty.add(root);
                        }
                    }
                }
                if (!dirty.isEmpty() && (now - lastEvent >= QUIET.toNanos() || now - firstEvent >= MAX_DELAY.toNanos())) {
                    List<Root> pass = new ArrayList<>(dirty);
                    dirty.clear();
                    for (Root root : pass) {
                        if (closed) return;
                        refresh(root);
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
    private void refresh(Root root) {
        try {
            registerTree(root);
            root.refresh();
        } catch (ClosedWatchServiceException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("re-reading {} failed: {}", root.folder, e.toString(), e);
        }
    }

    private void handle(WatchKey key, Set<Root> dirty) {
        Path dir = watchedDirs.get(key);
        boolean overflow = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) overflow = true;
        }
        boolean valid = key.reset();
        if (!valid) watchedDirs.remove(key); // the folder was deleted or moved away
        if (dir == null) return;
        for (Root root : roots) {
            // Any event below a folder makes it dirty; an event lost to overflow could be anywhere.
            if (overflow || dir.startsWith(root.absolute) || root.absolute.startsWith(dir)) dirty.add(root);
        }
    }

    /** Watches the folder and every folder below it; folders already watched are simply watched again. */
    private void registerTree(Root root) {
        root.fileKey = fileKey(root.folder);
        if (root.fileKey == null) return;
        try (Stream<Path> dirs = Files.walk(root.folder)) {
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
            LOG.debug("registering {}: {}", root.folder, e.toString());
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

    // ---- reporting ----

    private void emit(Change change) {
        if (closed) return;
        try {
            sink.accept(change);
        } catch (RuntimeException e) {
            LOG.error("delivering {} from {} failed: {}", change.getClass().getSimpleName(), change.source(), e.toString(), e);
        }
    }

    private void problem(InputException e, String keeping) {
        // One line per problem: YAML parser messages quote the source over several lines.
        LOG.error("{} ({})", e.getMessage().replaceAll("\\s*\\R\\s*", " ").trim(), keeping);
        try {
            problems.accept(e);
        } catch (RuntimeException listenerFailure) {
            LOG.error("problem listener failed: {}", listenerFailure.toString(), listenerFailure);
        }
    }

    // ---- folders ----

    private abstract static class Root {
        final Path folder;
        final Path absolute;
        /** The folder was found gone and reported; it is reported again only after it was back. */
        boolean missing;
        /** The identity of the folder when it was last registered: a change means it was deleted or replaced. */
        Object fileKey;

        Root(Path folder) {
            this.folder = Objects.requireNonNull(folder, "folder");
            this.absolute = folder.toAbsolutePath().normalize();
        }

        /** Re-reads the folder and delivers what changed. */
        abstract void refresh();
    }

    private final class InventoryRoot extends Root {
        private final String source;
        private Set<InventoryObject> delivered;
        /** The warnings of the last reading, each logged when it first appears. */
        private Set<String> warned = Set.of();

        InventoryRoot(Path folder) {
            super(folder);
            this.source = "folder:" + folder;
        }

        @Override
        void refresh() {
            if (!Files.isDirectory(folder)) {
                gone(this, "keeping the last good inventory of " + source + " until the folder is back");
                return;
            }
            missing = false;
            List<InventoryObject> objects;
            Set<String> warnings = new LinkedHashSet<>();
            try {
                objects = InventoryReader.readObjects(folder, warnings::add);
            } catch (InputException e) {
                problem(e, "keeping the last good inventory of " + source);
                return;
            } catch (UncheckedIOException e) {
                // A file or folder vanished while reading: its deletion event brings us back.
                LOG.debug("reading {}: {}", folder, e.toString());
                return;
            }
            for (String w : warnings) {
                if (!warned.contains(w)) LOG.warn("{}", w);
            }
            warned = warnings;
            Set<InventoryObject> now = new HashSet<>(objects);
            if (now.equals(delivered)) return;
            delivered = now;
            emit(new Change.Replace(source, objects));
        }
    }

    private void gone(Root root, String keeping) {
        if (root.missing) return;
        root.missing = true;
        problem(new InputException(root.folder.toString(), 0, null, null,
                "expected a folder of YAML files, found none there"), keeping);
    }

    /** What is known of one policy file. */
    private static final class PolicyFile {
        final Path path;
        final String source;
        /** Digest of the content last read; null once the file is deleted. */
        byte[] digest;
        /** The workspaces and Kubernetes policies of that content; null when it is broken. */
        PolicyInputs read;
        /** Line of the document of each name ({@link #names}) in that content, for errors about names. */
        Map<String, Integer> lines = Map.of();
        /** What the sink has from this file; null when nothing was ever delivered. */
        List<Workspace> delivered;
        /** The NetworkPolicies and ClusterNetworkPolicies the sink has from this file. */
        List<KubernetesPolicy> deliveredPolicies = List.of();
        /** The last problem reported for this file, so that each is reported once. */
        String reported;

        PolicyFile(Path path) {
            this.path = path;
            this.source = "file:" + path;
        }

        /** What the sink should have from this file: nothing once deleted; null while broken. */
        List<Workspace> wanted() {
            return digest == null ? List.of() : read == null ? null : read.workspaces();
        }

        /** The NetworkPolicies and ClusterNetworkPolicies the sink should have from this file: none once deleted; null while broken. */
        List<KubernetesPolicy> wantedPolicies() {
            return digest == null ? List.of() : read == null ? null : read.objects();
        }

        boolean pending() {
            List<Workspace> wanted = wanted();
            if (wanted == null) return false;
            return (delivered == null ? digest != null : !delivered.equals(wanted)) || !deliveredPolicies.equals(wantedPolicies());
        }

        List<Workspace> deliveredOrNone() {
            return delivered == null ? List.of() : delivered;
        }

        /**
         * What no two files may both define, as names: "workspace prod", "NetworkPolicy x/np in cluster
         * lab", "ClusterNetworkPolicy deny in cluster lab", of what is wanted ({@code wanted}) or of what
         * is delivered.
         */
        List<String> names(boolean wanted) {
            List<String> names = new ArrayList<>();
            (wanted ? wanted() : deliveredOrNone()).forEach(w -> names.add(workspaceName(w.name())));
            (wanted ? wantedPolicies() : deliveredPolicies).forEach(np -> names.add(policyName(np)));
            return names;
        }

        /** Whether this name ({@link #names}) is delivered from this file. */
        boolean holds(String name) {
            return names(false).contains(name);
        }

        void deleted() {
            digest = null;
            read = null;
            lines = Map.of();
            reported = null;
        }
    }

    private static String workspaceName(String name) {
        return "workspace " + name;
    }

    private static String policyName(KubernetesPolicy policy) {
        return policy.title() + " in cluster " + policy.cluster();
    }

    private final class PolicyRoot extends Root {
        private final Map<Path, PolicyFile> files = new TreeMap<>();

        PolicyRoot(Path folder) {
            super(folder);
        }

        @Override
        void refresh() {
            if (!Files.isDirectory(folder)) {
                gone(this, "keeping the last good policies of " + folder + " until the folder is back");
                return;
            }
            missing = false;
            Set<Path> present = new TreeSet<>();
            try (Stream<Path> walk = Files.walk(folder)) {
                walk.filter(YamlDocuments::isInputFile).forEach(present::add);
            } catch (IOException | UncheckedIOException e) {
                LOG.debug("listing {}: {}", folder, e.toString());
                return; // something vanished while listing: its deletion event brings us back
            }
            for (Path path : present) readIfChanged(files.computeIfAbsent(path, PolicyFile::new));
            files.forEach((path, file) -> {
                if (!present.contains(path)) file.deleted();
            });
            deliverPolicies();
            files.values().removeIf(f -> f.digest == null && (f.delivered == null || f.delivered.isEmpty())
                    && f.deliveredPolicies.isEmpty());
        }

        private void readIfChanged(PolicyFile file) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file.path);
            } catch (NoSuchFileException e) {
                return; // deleted since listing: its deletion event brings us back
            } catch (IOException e) {
                report(file, new InputException(file.path.toString(), 0, null, null, "cannot read the file: " + e));
                return;
            }
            byte[] digest = sha256(bytes);
            if (Arrays.equals(digest, file.digest)) return;
            file.digest = digest;
            file.read = null;
            file.lines = Map.of();
            file.reported = null;
            try {
                // What PolicyReader.readFile does, from the bytes the digest is of.
                List<Document> docs = YamlDocuments.parse(file.path.toString(), bytes);
                file.read = PolicyInputs.read(docs);
                Map<String, Integer> lines = new HashMap<>();
                for (Document d : docs) {
                    if (PolicyInputs.isWorkspace(d)) lines.putIfAbsent(workspaceName(d.name()), d.line());
                }
                for (PolicyInputs.Located<?> np : file.read.located()) {
                    lines.putIfAbsent(policyName(np.policy()), np.document().line());
                }
                file.lines = lines;
            } catch (InputException e) {
                report(file, e);
            }
        }
    }

    /** Why a file is refused: another file keeps or takes one of its names ({@link PolicyFile#names}). */
    private record Refusal(String name, PolicyFile owner) {}

    /**
     * Delivers every policy file whose content differs from what the sink has, across all policy
     * folders, such that no workspace name (nor NetworkPolicy, nor ClusterNetworkPolicy) is delivered by two files. A name two files want goes to
     * the file that already has it delivered, else to the first file in path order; the other file is
     * refused whole, keeps what it had delivered, and is tried again whenever policies change, so it
     * gets through once the name is let go. Files are decided together, so that two files swapping
     * names in one save burst both get through.
     */
    private void deliverPolicies() {
        Map<Path, PolicyFile> all = new TreeMap<>();
        for (Root root : roots) {
            if (root instanceof PolicyRoot p) all.putAll(p.files);
        }
        Set<PolicyFile> accepted = new LinkedHashSet<>();
        for (PolicyFile f : all.values()) {
            if (f.pending()) accepted.add(f);
        }
        Map<PolicyFile, Refusal> refused = new LinkedHashMap<>();
        // Refusing a file only shrinks `accepted` and puts back names the delivered state held
        // without conflict, so this ends, at worst with everything refused.
        boolean changed = true;
        while (changed) {
            changed = false;
            Map<String, List<PolicyFile>> claims = new TreeMap<>();
            for (PolicyFile f : all.values()) {
                for (String name : f.names(accepted.contains(f))) claims.computeIfAbsent(name, n -> new ArrayList<>()).add(f);
            }
            for (Map.Entry<String, List<PolicyFile>> claim : claims.entrySet()) {
                List<PolicyFile> claimers = claim.getValue();
                if (claimers.size() < 2) continue;
                String name = claim.getKey();
                PolicyFile owner = claimers.stream().filter(f -> f.holds(name)).findFirst().orElse(claimers.get(0));
                for (PolicyFile f : claimers) {
                    if (f != owner && accepted.remove(f)) {
                        refused.put(f, new Refusal(name, owner));
                        changed = true;
                    }
                }
            }
        }
        for (PolicyFile f : accepted) {
            List<Workspace> wanted = f.wanted();
            if (f.delivered == null || !f.delivered.equals(wanted)) {
                f.delivered = wanted;
                emit(new Change.Workspaces(f.source, f.delivered));
            }
            List<KubernetesPolicy> policies = f.wantedPolicies();
            if (!f.deliveredPolicies.equals(policies)) {
                f.deliveredPolicies = policies;
                emit(new Change.Replace(f.source, List.<InventoryObject>copyOf(policies)));
            }
        }
        refused.forEach((f, r) -> report(f, new InputException(f.path.toString(), f.lines.getOrDefault(r.name(), 0),
                null, "metadata.name", "expected a " + (r.name().startsWith("workspace ") ? "workspace name" : r.name().substring(0, r.name().indexOf(' ')))
                + " no other file uses, found " + r.name() + " also in " + r.owner().path
                + "; this file's workspaces and policies are refused until one of the two is renamed")));
    }

    private void report(PolicyFile file, InputException e) {
        if (e.getMessage().equals(file.reported)) return;
        file.reported = e.getMessage();
        String keeping = file.delivered == null ? "nothing delivered from " + file.source
                : "keeping the last good version of " + file.source;
        problem(e, keeping);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
