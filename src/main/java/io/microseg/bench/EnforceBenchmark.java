package io.microseg.bench;

import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.Workload;
import io.microseg.enforce.AgentState;
import io.microseg.enforce.Enforcer;
import io.microseg.enforce.NftSessions;
import io.microseg.enforce.NftTransactions;
import io.microseg.enforce.netns.CommandRunner;
import io.microseg.enforce.netns.NetnsRef;
import io.microseg.enforce.netns.NetnsResolver;
import io.microseg.enforce.netns.PodNetns;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The agent's apply path measured in real network namespaces ({@code microseg bench-enforce}): one node namespace
 * and {@code pods} pod namespaces made with {@code ip netns add}, an agent whose view holds the set
 * {@code nodes:<cluster>} with {@code setMembers} members (every pod's probes come from the nodes), and a rule mix
 * per pod. Each sample is what the agent does with one delta: {@link AgentState#apply}, {@link AgentState#view},
 * {@link Enforcer#enforce} (every {@code nft} transaction it runs), timed from the delta's arrival to the last
 * transaction's end. Kinds of delta: a member of the big set added or removed (every namespace changes), a
 * rule of one pod added or removed, a pod (its rules and its placement) added or removed. Then the full resync:
 * a replacing snapshot in which every table differs (a member of the big set differs), every table re-created; and
 * the resync of an unchanged node: a replacing snapshot of the state held, nothing to re-create. The namespaces are
 * deleted at the end.
 */
public final class EnforceBenchmark {
    /**
     * How the agent runs its nft transactions: {@code session} through one long-lived {@code nft -i} per namespace
     * (what the agent does), {@code process} one {@code nft -f} process per transaction, {@code none} not at all (the
     * agent's own work alone: state, render, plans).
     */
    public enum Nft { session, process, none }

    /**
     * What to build and how many samples of each kind to take, after {@code warmup} untimed rounds of every kind (the
     * JIT compiles the agent's code during the first rounds: a running agent has done that long before).
     */
    public record Settings(int pods, int setMembers, int samples, int warmup, int resyncs, int threads, Nft nft, Consumer<String> progress) {
        public Settings {
            if (pods < 1 || setMembers < 1 || samples < 1 || resyncs < 1 || threads < 1 || warmup < 0) {
                throw new IllegalArgumentException("expected --pods, --set-members, --samples, --resyncs and --apply-threads of at least 1, "
                        + "--warmup of at least 0");
            }
        }

        public Settings(int pods, int setMembers, int samples, int resyncs, int threads, Consumer<String> progress) {
            this(pods, setMembers, samples, 0, resyncs, threads, Nft.session, progress);
        }
    }

    /**
     * Latencies of one kind, in milliseconds, and {@code cpuMs}: the CPU time the agent and its nft processes spent per
     * sample on average (what the figures would be with the CPU to itself, on one core; -1 when it cannot be read), of
     * which {@code nftCpuMs} the nft processes' and {@code jitCpuMs} the JIT compiler threads' (code still being
     * compiled: a running agent pays it once, and again for code a new kind of delta makes the JIT compile anew).
     */
    public record Figures(int samples, double p50, double p99, double max, double cpuMs, double nftCpuMs, double jitCpuMs) {
        static Figures of(long[] nanos, Cpu cpu) {
            long[] s = nanos.clone();
            Arrays.sort(s);
            return new Figures(s.length, ms(Latencies.nearestRank(s, 50)), ms(Latencies.nearestRank(s, 99)), ms(s[s.length - 1]),
                    perSample(cpu, cpu.totalMs(), s.length), perSample(cpu, cpu.nftMs(), s.length), perSample(cpu, cpu.jitMs(), s.length));
        }

        private static double perSample(Cpu cpu, long millis, int samples) {
            return cpu.known() ? Math.round(millis * 100.0 / samples) / 100.0 : -1;
        }

        private static double ms(long nanos) {
            return Math.round(nanos / 10_000.0) / 100.0;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("samples", samples);
            m.put("p50", p50);
            m.put("p99", p99);
            m.put("max", max);
            m.put("cpuMs", cpuMs);
            m.put("nftCpuMs", nftCpuMs);
            m.put("jitCpuMs", jitCpuMs);
            return m;
        }
    }

    /**
     * The run's figures: per kind of delta, the first apply, the full resync (every table differs), the resync of an
     * unchanged node, and the nft transactions run.
     */
    public record Result(int pods, int setMembers, int threads, Nft nft, int namespaces, int rules, Map<String, Figures> deltas,
                         double firstApplyMs, Figures fullResync, Figures unchangedResync, long nftRuns) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pods", pods);
            m.put("setMembers", setMembers);
            m.put("applyThreads", threads);
            m.put("nft", nft.name());
            m.put("namespaces", namespaces);
            m.put("rules", rules);
            Map<String, Object> d = new LinkedHashMap<>();
            deltas.forEach((k, v) -> d.put(k, v.toMap()));
            m.put("deltaToAppliedMs", d);
            m.put("firstApplyMs", firstApplyMs);
            m.put("fullResyncMs", fullResync.toMap());
            m.put("unchangedResyncMs", unchangedResync.toMap());
            m.put("nftRuns", nftRuns);
            return m;
        }

        public String toText() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("bench-enforce: %d pod namespaces + the node's, nodes set of %d members, %d rules, %d apply threads, nft %s%n",
                    pods, setMembers, rules, threads, nft));
            b.append(String.format("  %-22s %8s %9s %9s %9s %9s %9s %9s%n", "delta -> nft applied", "samples", "p50 ms", "p99 ms", "max ms", "cpu ms",
                    "nft cpu", "jit cpu"));
            deltas.forEach((k, f) -> b.append(line(k, f)));
            b.append(line("full resync (replace)", fullResync));
            b.append(line("resync, unchanged", unchangedResync));
            b.append(String.format("  first apply %.2f ms; %d nft transactions in all%n", firstApplyMs, nftRuns));
            return b.toString();
        }

        private static String line(String kind, Figures f) {
            return String.format("  %-22s %8d %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f%n", kind, f.samples(), f.p50(), f.p99(), f.max(), f.cpuMs(), f.nftCpuMs(),
                    f.jitCpuMs());
        }
    }

    private static final String CLUSTER = "bench";
    private static final String AGENT = "node/" + CLUSTER + "/n0";
    private static final String NODES = AddressSet.nodesOf(CLUSTER);

    private final Settings settings;
    private final List<String> created = new ArrayList<>();
    private final AtomicLong nftRuns = new AtomicLong();
    private final String prefix = "msbench" + ProcessHandle.current().pid() + "-";
    private long version;
    private int nextRule;

    private EnforceBenchmark(Settings settings) {
        this.settings = settings;
    }

    /** Why this machine cannot run the benchmark (not root, no nft or ip), or null when it can. */
    public static String unavailable() {
        try {
            CommandRunner.Result id = CommandRunner.exec(List.of("id", "-u"), "");
            if (id.exit() != 0 || !id.output().trim().equals("0")) return "must run as root (it creates network namespaces and nftables tables)";
        } catch (IOException e) {
            return "cannot tell whether this is root: " + e.getMessage();
        }
        for (List<String> probe : List.of(List.of("nft", "--version"), List.of("ip", "-V"), List.of("nsenter", "--version"))) {
            try {
                CommandRunner.Result r = CommandRunner.exec(probe, "");
                if (r.exit() != 0) return probe.get(0) + " failed: " + r.output().trim();
            } catch (IOException e) {
                return probe.get(0) + " not found (install " + (probe.get(0).equals("nft") ? "nftables" : probe.get(0).equals("ip") ? "iproute2" : "util-linux") + ")";
            }
        }
        return null;
    }

    public static Result run(Settings settings) throws IOException {
        EnforceBenchmark b = new EnforceBenchmark(settings);
        try {
            return b.measure();
        } finally {
            b.cleanUp();
        }
    }

    private Result measure() throws IOException {
        int pods = settings.pods();
        settings.progress().accept("bench-enforce: creating " + (pods + 2) + " network namespaces");
        Map<String, String> names = new TreeMap<>();
        names.put(AGENT, netns("node"));
        for (int i = 0; i <= pods; i++) names.put(pod(i), netns("p" + i)); // pod(pods) is the spare one, added and removed
        NetnsResolver resolver = new NetnsResolver() {
            @Override
            public NetnsRef own(String agent) {
                return ref(names.get(agent));
            }

            @Override
            public Map<String, Resolution> resolve(Map<String, List<String>> wanted) {
                Map<String, Resolution> out = new TreeMap<>();
                wanted.keySet().forEach(p -> out.put(p, new Resolution.Found(ref(names.get(p)))));
                return out;
            }

            @Override
            public List<NetnsRef> reachable() {
                return names.values().stream().map(EnforceBenchmark::ref).toList();
            }
        };
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        NftTransactions nft = switch (settings.nft()) {
            case session -> new NftSessions(CommandRunner::exec, System.err); // says when a session fails
            case process -> NftTransactions.oneShot(CommandRunner::exec);
            case none -> (ns, script) -> new CommandRunner.Result(0, "");
        };
        NftTransactions counting = new NftTransactions() {
            @Override
            public CommandRunner.Result run(NetnsRef ns, String script) {
                nftRuns.incrementAndGet();
                return nft.run(ns, script);
            }

            @Override
            public void retain(java.util.Collection<NetnsRef> keep) {
                nft.retain(keep);
            }

            @Override
            public void close() {
                nft.close();
            }
        };
        try (Enforcer enforcer = new Enforcer(AGENT, resolver, PodNetns.Backoff.DEFAULT, List.of(), List.of("10.0.0.1"), false, CommandRunner::exec,
                counting, quiet, settings.threads())) {
            return measure(enforcer);
        }
    }

    private Result measure(Enforcer enforcer) {
        int pods = settings.pods();
        AgentState state = new AgentState(AGENT);

        List<CompiledRule> rules = new ArrayList<>(nodeRules());
        List<Workload> workloads = new ArrayList<>();
        for (int i = 0; i < pods; i++) {
            rules.addAll(podRules(i));
            workloads.add(new Workload(pod(i), List.of(podAddress(i))));
        }
        List<AddressSet> sets = new ArrayList<>();
        sets.add(new AddressSet(NODES, "the nodes", members(settings.setMembers(), 10)));
        for (int s = 0; s < 10; s++) sets.add(new AddressSet("consumers:" + s, "consumers", members(50, 20 + s)));
        sets.add(new AddressSet("dns", "the DNS servers", List.of("10.96.0.10", "fd00:96::10")));
        sets.add(new AddressSet("outside", "an outside subnet", List.of("203.0.113.0/24", "198.51.100.0/24")));
        AgentEvent.Snapshot snapshot = new AgentEvent.Snapshot(++version, true, rules, sets, workloads);

        settings.progress().accept("bench-enforce: first apply of " + rules.size() + " rules");
        long t0 = System.nanoTime();
        state.apply(snapshot);
        check(enforcer.enforce(state.view(), version, true));
        double first = (System.nanoTime() - t0) / 1e6;

        List<Kind> kinds = new ArrayList<>();
        kinds.add(new Kind("a member of " + NODES + " added, then removed", "setMemberAdded", "setMemberRemoved",
                i -> delta(List.of(), List.of(), List.of(new SetChange(NODES, null, List.of(member(i)), List.of())), List.of(), List.of()),
                i -> delta(List.of(), List.of(), List.of(new SetChange(NODES, null, List.of(), List.of(member(i)))), List.of(), List.of())));
        List<CompiledRule> extra = new ArrayList<>();
        kinds.add(new Kind("a rule of one pod added, then removed", "podRuleAdded", "podRuleRemoved", i -> {
            CompiledRule r = rule(pod(i % pods), Direction.INGRESS, Action.ALLOW, Protocol.TCP, String.valueOf(9000 + i % 100), "consumers:" + i % 10);
            extra.add(r);
            return delta(List.of(r), List.of(), List.of(), List.of(), List.of());
        }, i -> delta(List.of(), List.of(extra.remove(extra.size() - 1).id()), List.of(), List.of(), List.of())));
        List<CompiledRule> spare = podRules(pods);
        Workload spareWorkload = new Workload(pod(pods), List.of(podAddress(pods)));
        kinds.add(new Kind("a pod added, then removed", "podAdded", "podRemoved",
                i -> delta(spare, List.of(), List.of(), List.of(spareWorkload), List.of()),
                i -> delta(List.of(), spare.stream().map(CompiledRule::id).toList(), List.of(), List.of(), List.of(spareWorkload.id()))));

        // every kind is warmed up before any is measured, as in a running agent, whose compiled code has seen them all
        // (code compiled for one kind only is compiled again when the next one takes other branches)
        settings.progress().accept("bench-enforce: " + settings.warmup() + " untimed rounds of every kind of delta");
        // the benchmark's own CPU readings are taken as in the samples, so that their code is compiled before any is
        // sampled too (what they cost is left out of cpuMs, what the JIT spends on them would not be)
        for (int i = 0; i < settings.warmup(); i++) {
            for (Kind k : kinds) {
                Cpu.now();
                apply(state, enforcer, k.forward().make(settings.samples() + i));
                Cpu.now();
                apply(state, enforcer, k.back().make(settings.samples() + i));
                Cpu.now();
            }
        }
        Map<String, Figures> deltas = new LinkedHashMap<>();
        for (Kind k : kinds) sample(k, deltas, state, enforcer);

        settings.progress().accept("bench-enforce: " + settings.resyncs() + " full resyncs, then " + settings.resyncs() + " of an unchanged node");
        long[] resync = new long[settings.resyncs()];
        Cpu cpu = Cpu.now();
        List<AddressSet> resynced = sets;
        for (int i = 0; i < resync.length; i++) {
            // every table differs from the one in force: the big set has another member each time
            List<String> nodes = new ArrayList<>(members(settings.setMembers(), 10));
            nodes.add(member(100_000 + i));
            resynced = new ArrayList<>(sets);
            resynced.set(0, new AddressSet(NODES, "the nodes", nodes));
            resync[i] = resync(state, enforcer, new AgentEvent.Snapshot(++version, true, rules, resynced, workloads));
        }
        Figures full = Figures.of(resync, Cpu.now().minus(cpu));
        long[] same = new long[settings.resyncs()];
        cpu = Cpu.now();
        for (int i = 0; i < same.length; i++) same[i] = resync(state, enforcer, new AgentEvent.Snapshot(++version, true, rules, resynced, workloads));
        return new Result(pods, settings.setMembers(), settings.threads(), settings.nft(), pods + 1, rules.size(), deltas, Math.round(first * 100) / 100.0,
                full, Figures.of(same, Cpu.now().minus(cpu)), nftRuns.get());
    }

    private long resync(AgentState state, Enforcer enforcer, AgentEvent.Snapshot snapshot) {
        long t = System.nanoTime();
        state.apply(snapshot);
        check(enforcer.enforce(state.view(), version, true));
        return System.nanoTime() - t;
    }

    private interface DeltaOf {
        AgentEvent.Delta make(int i);
    }

    /** A kind of delta: {@code forward}, then {@code back}, which returns the state to where it was. */
    private record Kind(String what, String forwardName, String backName, DeltaOf forward, DeltaOf back) {}

    /** Takes {@code samples} rounds of a kind's pair of deltas; each is timed on its own, under its name. */
    private void sample(Kind kind, Map<String, Figures> into, AgentState state, Enforcer enforcer) {
        settings.progress().accept("bench-enforce: " + settings.samples() + " samples: " + kind.what());
        long[] there = new long[settings.samples()];
        long[] home = new long[settings.samples()];
        Cpu cpuThere = Cpu.ZERO;
        Cpu cpuHome = Cpu.ZERO;
        for (int i = 0; i < there.length; i++) {
            Cpu c = Cpu.now();
            there[i] = apply(state, enforcer, kind.forward().make(i));
            Cpu d = Cpu.now();
            home[i] = apply(state, enforcer, kind.back().make(i));
            Cpu e = Cpu.now();
            cpuThere = cpuThere.plus(d.minus(c));
            cpuHome = cpuHome.plus(e.minus(d));
        }
        into.put(kind.forwardName(), Figures.of(there, cpuThere));
        into.put(kind.backName(), Figures.of(home, cpuHome));
    }

    /** CPU time this benchmark spent reading CPU times, in nanoseconds: left out of the figures. */
    private static long measuring;

    /**
     * CPU time in milliseconds: in all, and of it the nft processes' (the JVM's children and descendants); -1 where
     * /proc cannot be read.
     */
    private record Cpu(boolean known, long totalMs, long nftMs, long jitMs) {
        static final Cpu ZERO = new Cpu(true, 0, 0, 0);
        static final Cpu UNKNOWN = new Cpu(false, 0, 0, 0);

        /** The difference; it can be negative over a short span (an nft process that ended and is not yet waited for). */
        Cpu minus(Cpu earlier) {
            return known && earlier.known ? new Cpu(true, totalMs - earlier.totalMs, nftMs - earlier.nftMs, jitMs - earlier.jitMs) : UNKNOWN;
        }

        Cpu plus(Cpu more) {
            return known && more.known ? new Cpu(true, totalMs + more.totalMs, nftMs + more.nftMs, jitMs + more.jitMs) : UNKNOWN;
        }

        /**
         * CPU time so far of this JVM, the child processes it waited for (one-shot nft) and its live descendants (nft
         * sessions), from /proc, less what reading it cost. Descendants are found through
         * {@code /proc/PID/task/TID/children}, not by scanning every process of the machine (which costs milliseconds a
         * time with a few hundred processes).
         */
        static Cpu now() {
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long start = threads.getCurrentThreadCpuTime();
            try {
                long ticks = 0;
                for (long pid : descendants(ProcessHandle.current().pid())) {
                    try {
                        ticks += ticks(Path.of("/proc/" + pid + "/stat"));
                    } catch (IOException gone) {
                        // ended meanwhile: counted in its parent's children time once waited for
                    }
                }
                long jit = compilerTicks();
                long[] self = selfAndChildren(Path.of("/proc/self/stat"));
                measuring += threads.getCurrentThreadCpuTime() - start;
                // USER_HZ is 100 on Linux
                return new Cpu(true, (self[0] + self[1] + ticks) * 10 - measuring / 1_000_000, (self[1] + ticks) * 10, jit * 10);
            } catch (IOException | RuntimeException e) {
                return UNKNOWN;
            }
        }
    }

    /**
     * CPU time so far of this JVM's JIT compiler threads ({@code C1 CompilerThre}, {@code C2 CompilerThre} as /proc
     * names them), in clock ticks; they come and go, so all threads are looked at each time.
     */
    private static long compilerTicks() throws IOException {
        long ticks = 0;
        try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (java.nio.file.Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        ticks += ticks(task.resolve("stat"));
                    }
                } catch (IOException gone) {
                    // a compiler thread that ended: its time is no longer counted, a difference may be briefly off
                }
            }
        }
        return ticks;
    }

    /** The processes below {@code pid}, from each of its threads' {@code children} file. */
    private static List<Long> descendants(long pid) throws IOException {
        List<Long> out = new ArrayList<>();
        java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>(List.of(pid));
        while (!todo.isEmpty()) {
            long p = todo.poll();
            try (var tasks = java.nio.file.Files.list(Path.of("/proc/" + p + "/task"))) {
                for (Path task : tasks.toList()) {
                    String children;
                    try {
                        children = java.nio.file.Files.readString(task.resolve("children"));
                    } catch (IOException gone) {
                        continue;
                    }
                    for (String c : children.trim().split(" ")) {
                        if (c.isEmpty()) continue;
                        out.add(Long.parseLong(c));
                        todo.add(Long.parseLong(c));
                    }
                }
            } catch (IOException | java.io.UncheckedIOException gone) { // a descendant that ended meanwhile
                if (p == pid) throw gone;
            }
        }
        return out;
    }

    /** utime + stime of one /proc/PID/stat, in clock ticks. */
    private static long ticks(Path stat) throws IOException {
        return selfAndChildren(stat)[0];
    }

    /** utime + stime, and cutime + cstime (the children waited for), of one /proc/PID/stat, in clock ticks. */
    private static long[] selfAndChildren(Path stat) throws IOException {
        String text = java.nio.file.Files.readString(stat);
        String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14])};
    }

    private long apply(AgentState state, Enforcer enforcer, AgentEvent.Delta delta) {
        long t = System.nanoTime();
        state.apply(delta);
        check(enforcer.enforce(state.view(), version));
        return System.nanoTime() - t;
    }

    private AgentEvent.Delta delta(List<CompiledRule> added, List<String> removed, List<SetChange> members, List<Workload> placed,
                                   List<String> left) {
        return new AgentEvent.Delta(++version, added, removed, List.of(), List.of(), members, placed, left);
    }

    private static void check(Enforcer.Outcome outcome) {
        if (outcome.failed() > 0 || !outcome.pending().isEmpty()) throw new IllegalStateException("the apply failed: " + outcome.firstError());
    }

    private List<CompiledRule> nodeRules() {
        return List.of(rule(AGENT, Direction.INGRESS, Action.ALLOW, Protocol.TCP, "10250", NODES),
                rule(AGENT, Direction.INGRESS, Action.ALLOW, Protocol.TCP, "30000-32767", "outside"),
                rule(AGENT, Direction.EGRESS, Action.ALLOW, Protocol.ANY, null, NODES),
                catchAll(AGENT, Direction.INGRESS));
    }

    /** A pod's rules: probes and scrapes from the nodes, its consumers, DNS, an outside subnet, the catch-alls. */
    private List<CompiledRule> podRules(int i) {
        return List.of(rule(pod(i), Direction.INGRESS, Action.ALLOW, Protocol.TCP, "8080", NODES),
                rule(pod(i), Direction.INGRESS, Action.ALLOW, Protocol.TCP, String.valueOf(8000 + i % 50), "consumers:" + i % 10),
                rule(pod(i), Direction.INGRESS, Action.DENY, Protocol.TCP, "22", null),
                rule(pod(i), Direction.EGRESS, Action.ALLOW, Protocol.UDP, "53", "dns"),
                rule(pod(i), Direction.EGRESS, Action.ALLOW, Protocol.TCP, "443", "outside"),
                rule(pod(i), Direction.EGRESS, Action.ALLOW, Protocol.TCP, String.valueOf(8000 + (i + 1) % 50), "consumers:" + (i + 1) % 10),
                catchAll(pod(i), Direction.INGRESS), catchAll(pod(i), Direction.EGRESS));
    }

    private CompiledRule rule(String workload, Direction d, Action a, Protocol p, String ports, String peer) {
        String id = "b" + nextRule++;
        return new CompiledRule(id, workload, d, a, p, ports, peer, null, "bench", "bench/p" + nextRule % 7, Rank.DEFAULT, 100, List.of());
    }

    private CompiledRule catchAll(String workload, Direction d) {
        String id = "b" + nextRule++;
        return new CompiledRule(id, workload, d, Action.DENY, Protocol.ANY, null, null, null, "catch-all", "bench/catch-all", Rank.CATCHALL, 0,
                List.of());
    }

    private static List<String> members(int count, int firstOctet) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(firstOctet + "." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
        return out;
    }

    private static String member(int i) {
        return "10.200." + (i >> 8 & 255) + "." + (i & 255);
    }

    private static String pod(int i) {
        return "pod/" + CLUSTER + "/ns" + i % 10 + "/p" + i;
    }

    private static String podAddress(int i) {
        return "10.244." + (i >> 8 & 255) + "." + (i & 255);
    }

    private static NetnsRef ref(String name) {
        return new NetnsRef.ByPath(Path.of("/run/netns", name), 0);
    }

    private String netns(String label) throws IOException {
        String name = prefix + label;
        CommandRunner.Result r = CommandRunner.exec(List.of("ip", "netns", "add", name), "");
        if (r.exit() != 0) throw new IOException("ip netns add " + name + ": " + r.output().trim());
        created.add(name);
        return name;
    }

    private void cleanUp() {
        for (String name : created) {
            try {
                CommandRunner.exec(List.of("ip", "netns", "del", name), "");
            } catch (IOException e) {
                settings.progress().accept("bench-enforce: could not delete netns " + name + ": " + e.getMessage());
            }
        }
    }
}
