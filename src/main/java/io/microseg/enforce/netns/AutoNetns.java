package io.microseg.enforce.netns;


import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Finds a pod's network namespace by its addresses ({@code enforce --netns auto}).
 *
 * <p>Contract. Each {@link #resolve} scans the candidates: every entry of the netns directory
 * ({@code /run/netns}, where {@code ip netns} and CNIs pin namespaces) and every {@code <proc>/<pid>/ns/net}
 * (a pod sandbox's processes; with {@code hostPID} the node's {@code /proc}). Candidates are told apart by
 * the namespace's inode ({@code stat}): one namespace reachable by a name and by several pids is one
 * candidate, entered by its netns-directory path when it has one (stable) or else by the lowest pid. Each
 * namespace's addresses ({@link InterfaceAddresses}, listed with {@code nsenter --net=PATH ip -j addr show})
 * are cached by inode and listed again when an address asked for is found nowhere (a CNI may add the address
 * after the namespace appeared). A pod resolves to the one namespace holding its addresses. It is pending,
 * with the reason, when:
 * <ul>
 *   <li>the feed gives it no address, or no namespace holds any of them;</li>
 *   <li>its addresses are in two different namespaces (ambiguous: never guessed);</li>
 *   <li>the namespace is the agent's own (a hostNetwork pod shares the node's namespace: a pod table there
 *       would judge the node's traffic);</li>
 *   <li>a namespace that still exists could not be listed (it might hold the address too).</li>
 * </ul>
 * Entries that vanish during the scan (a process that exited, a namespace deleted) are skipped.
 */
public final class AutoNetns implements NetnsResolver {
    /** Where the agent's own namespace is found. */
    public static final Path SELF = Path.of("/proc/self/ns/net");

    private final Path netnsDir;
    private final Path procDir;
    private final Path self;
    private final CommandRunner runner;
    private final PrintStream log;
    private final Map<Long, List<String>> listings = new HashMap<>(); // inode -> its addresses
    private final Set<String> reported = new TreeSet<>();            // scan problems already logged

    /**
     * @param netnsDir the directory of named namespaces ({@code /run/netns}); missing is empty
     * @param procDir  the proc file system whose processes' namespaces are candidates ({@code /proc})
     * @param self     the agent's own namespace ({@link #SELF})
     */
    public AutoNetns(Path netnsDir, Path procDir, Path self, CommandRunner runner, PrintStream log) {
        this.netnsDir = netnsDir;
        this.procDir = procDir;
        this.self = self;
        this.runner = runner;
        this.log = log;
    }

    @Override
    public NetnsRef own(String agent) {
        return NetnsRef.OWN;
    }

    @Override
    public synchronized Map<String, Resolution> resolve(Map<String, List<String>> pods) {
        Map<String, Resolution> out = new TreeMap<>();
        long own;
        try {
            own = inode(self);
        } catch (IOException e) {
            pods.keySet().forEach(p -> out.put(p, new Resolution.Pending("cannot stat the agent's own namespace " + self + ": " + e.getMessage())));
            return out;
        }
        Map<Long, Path> candidates = scan();
        candidates.put(own, self);
        listings.keySet().retainAll(candidates.keySet());
        Map<Long, String> unlisted = list(candidates, own, false);
        Map<String, Set<Long>> where = index();
        boolean missing = pods.values().stream().flatMap(List::stream).anyMatch(a -> !where.containsKey(a));
        if (missing) {
            unlisted = list(candidates, own, true);
            where.clear();
            where.putAll(index());
        }
        for (var e : pods.entrySet()) out.put(e.getKey(), resolve(e.getValue(), where, candidates, own, unlisted));
        return out;
    }

    private Resolution resolve(List<String> addresses, Map<String, Set<Long>> where, Map<Long, Path> candidates, long own,
                               Map<Long, String> unlisted) {
        if (addresses.isEmpty()) return new Resolution.Pending("the feed gives no address for it");
        Map<Long, String> holders = new TreeMap<>(); // inode -> first address it holds
        for (String a : addresses) for (long ino : where.getOrDefault(a, Set.of())) holders.putIfAbsent(ino, a);
        if (holders.size() > 1) {
            List<String> names = holders.entrySet().stream().map(h -> h.getValue() + " in " + candidates.get(h.getKey())).toList();
            return new Resolution.Pending("ambiguous: its addresses are in " + holders.size() + " network namespaces (" + String.join(", ", names) + ")");
        }
        if (!unlisted.isEmpty()) {
            var u = unlisted.entrySet().iterator().next();
            return new Resolution.Pending("cannot tell: the addresses of " + candidates.get(u.getKey()) + " cannot be listed (" + u.getValue() + ")");
        }
        if (holders.isEmpty()) return new Resolution.Pending("no network namespace holds " + String.join(", ", addresses));
        long ino = holders.keySet().iterator().next();
        if (ino == own) {
            return new Resolution.Pending(holders.get(ino) + " is in the agent's own network namespace (a hostNetwork pod shares the node's): no pod table is applied there");
        }
        return new Resolution.Found(new NetnsRef.ByPath(candidates.get(ino), ino));
    }

    @Override
    public boolean stillThere(NetnsRef ref) {
        if (!(ref instanceof NetnsRef.ByPath p) || p.inode() == 0) return true;
        try {
            return inode(p.path()) == p.inode();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized List<NetnsRef> reachable() throws IOException {
        long own = inode(self);
        List<NetnsRef> out = new ArrayList<>();
        scan().forEach((ino, path) -> {
            if (ino != own) out.add(new NetnsRef.ByPath(path, ino));
        });
        return out;
    }

    /**
     * inode -> path of every candidate namespace: the netns directory's entries first, then processes by pid. The
     * agent's own nft processes are left out (its nft sessions are in the pods' namespaces because the agent put
     * them there, and would keep a namespace the pod left in the scan) when the proc directory shows the agent's own
     * pids.
     */
    private Map<Long, Path> scan() {
        Map<Long, Path> out = new LinkedHashMap<>();
        for (Path p : entries(netnsDir, false)) add(out, p);
        Set<String> mine = ownNft();
        for (Path pid : entries(procDir, true)) {
            if (!mine.contains(pid.getFileName().toString())) add(out, pid.resolve("ns").resolve("net"));
        }
        return out;
    }

    /** The pids of the agent's descendants that run nft, when {@code procDir} is in the agent's own pid namespace; else none. */
    private Set<String> ownNft() {
        try {
            if (inode(procDir.resolve("self").resolve("ns").resolve("pid")) != inode(Path.of("/proc/self/ns/pid"))) return Set.of();
        } catch (IOException | UnsupportedOperationException e) {
            return Set.of();
        }
        Set<String> out = new java.util.HashSet<>();
        ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> Path.of(c).getFileName().toString().equals("nft")).orElse(false))
                .forEach(p -> out.add(String.valueOf(p.pid())));
        return out;
    }

    private static void add(Map<Long, Path> out, Path p) {
        try {
            out.putIfAbsent(inode(p), p);
        } catch (IOException e) {
            // gone meanwhile (an exited process, a deleted namespace), or not a namespace: not a candidate
        }
    }

    private List<Path> entries(Path dir, boolean pids) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            problem(dir + " is not a directory: no namespace is found there");
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (!pids || !n.isEmpty() && n.chars().allMatch(Character::isDigit)) out.add(p);
            }
        } catch (IOException e) {
            problem("cannot read " + dir + ": " + e.getMessage());
        }
        out.sort(pids ? Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString())) : Comparator.naturalOrder());
        return out;
    }

    /**
     * Lists the namespaces not listed yet (all of them when {@code again}); returns those that could not be
     * listed although they still exist, with the error.
     */
    private Map<Long, String> list(Map<Long, Path> candidates, long own, boolean again) {
        Map<Long, String> failed = new TreeMap<>();
        for (var c : candidates.entrySet()) {
            if (!again && listings.containsKey(c.getKey())) continue;
            NetnsRef ref = c.getKey() == own && self.equals(SELF) ? NetnsRef.OWN : new NetnsRef.ByPath(c.getValue(), c.getKey());
            List<String> cmd = ref.command("ip", "-j", "addr", "show");
            try {
                CommandRunner.Result r = runner.run(cmd, "");
                if (r.exit() != 0) throw new IOException(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.output().trim());
                listings.put(c.getKey(), InterfaceAddresses.parse(r.output()));
            } catch (IOException e) {
                listings.remove(c.getKey());
                if (stillThere(ref)) {
                    failed.put(c.getKey(), e.getMessage());
                    problem("cannot list the addresses of network namespace " + c.getValue() + ": " + e.getMessage());
                }
            }
        }
        return failed;
    }

    private Map<String, Set<Long>> index() {
        Map<String, Set<Long>> where = new HashMap<>();
        listings.forEach((ino, addrs) -> addrs.forEach(a -> where.computeIfAbsent(a, k -> new TreeSet<>()).add(ino)));
        return where;
    }

    private void problem(String message) {
        if (reported.size() > 1000) reported.clear();
        if (reported.add(message)) log.println("microseg enforce: netns auto: " + message);
    }

    /** The inode of the namespace {@code p} leads to (links followed). */
    static long inode(Path p) throws IOException {
        Object ino = Files.getAttribute(p, "unix:ino");
        return ((Number) ino).longValue();
    }
}
