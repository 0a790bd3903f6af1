package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;

import io.microseg.controlplane.AgentStatus;

import java.io.IOException;
import java.io.PrintStream;
import io.microseg.enforce.netns.NetnsRef;
import io.microseg.enforce.netns.NetnsResolver;
import io.microseg.enforce.netns.PodNetns;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies an agent's view: renders one {@link NftTable} per network namespace and runs {@code nft -f -} in each
 * (the agent's own, and each pod's as {@link PodNetns} finds it, entered through its {@link NetnsRef}), one atomic
 * transaction per namespace: the difference from the table last applied there ({@link NftPlan}), nothing when
 * there is none, or the whole table (docs/incremental-nft.md says when). A pod that left the view gets its
 * table deleted (when its namespace is still the one applied into).
 * A pod whose namespace is not found is pending: its rules wait, and it is resolved again with backoff
 * ({@link #retryDue()}). A failed apply leaves that namespace's previous rules in force (nft's transaction is
 * all or nothing) and is retried next time.
 *
 * <p>A node's own addresses ({@link NftRuleset.Options#ownAddresses}) are the ones given (the agent's
 * {@code --node-address}) or else listed on every apply by {@link NodeAddresses} in the node's namespace;
 * a host's are not needed.
 */
public final class Enforcer implements AutoCloseable {
    /**
     * What one apply left in force: per namespace section whether this version's rules are in force (a failed
     * one keeps its previous rules), and the pods whose namespace is not found, with the reason (their rules wait).
     */
    public record Outcome(List<AgentStatus.NamespaceStatus> namespaces, Map<String, String> pending) {
        public Outcome {
            namespaces = List.copyOf(namespaces);
            pending = Collections.unmodifiableMap(new TreeMap<>(pending));
        }

        /** The pods whose namespace is not found, sorted. */
        public List<String> pendingPods() {
            return List.copyOf(pending.keySet());
        }

        /** How many namespaces failed to apply. */
        public int failed() {
            return (int) namespaces.stream().filter(n -> !n.applied()).count();
        }

        /** The first failure's message, else the first pending pod's reason, or null. */
        public String firstError() {
            return namespaces.stream().filter(n -> !n.applied()).map(n -> n.workload() + ": " + n.error()).findFirst()
                    .orElse(pending.entrySet().stream().findFirst()
                            .map(p -> p.getKey() + ": network namespace not found: " + p.getValue()).orElse(null));
        }
    }

    private final String agent;
    private final PodNetns pods;
    private final List<NftRuleset.Endpoint> servers;
    private final List<String> fixedOwnAddresses;
    private final NodeAddresses discovered;
    private final boolean flushRuleset;
    private final CommandRunner runner;
    private final NftTransactions transactions;
    private final PrintStream log;
    private final Map<String, InForce> applied = new HashMap<>(); // section (node, host or pod id) -> what was applied where

    private final NftRuleset.SetMemo memo = new NftRuleset.SetMemo();
    private final int parallelism;
    private java.util.concurrent.ExecutorService pool; // created at the first apply that runs jobs at once
    private final java.util.Set<String> drifted = new java.util.HashSet<>(); // sections whose table someone else changed

    private record InForce(NetnsRef ref, NftTable table) {}

    /**
     * @param agent             the agent's identity
     * @param resolver          finds the pods' namespaces (and the agent's own)
     * @param backoff           the delays between resolutions of a pod whose namespace is not found
     * @param servers           every server the agent may follow, accepted by the own namespace's output chain
     * @param fixedOwnAddresses a node's own addresses as given; empty: listed on the node's interfaces
     * @param flushRuleset      flush the whole ruleset of the own namespace first (hosts only)
     */
    public Enforcer(String agent, NetnsResolver resolver, PodNetns.Backoff backoff, List<NftRuleset.Endpoint> servers,
                    List<String> fixedOwnAddresses, boolean flushRuleset, CommandRunner runner, PrintStream log) {
        this(agent, resolver, backoff, servers, fixedOwnAddresses, flushRuleset, runner, log, 1);
    }

    /**
     * @param parallelism how many namespaces' transactions may run at once (each is its own {@code nft} process); 1:
     *                    one after the other, in the order of the sections
     */
    public Enforcer(String agent, NetnsResolver resolver, PodNetns.Backoff backoff, List<NftRuleset.Endpoint> servers,
                    List<String> fixedOwnAddresses, boolean flushRuleset, CommandRunner runner, PrintStream log, int parallelism) {
        this(agent, resolver, backoff, servers, fixedOwnAddresses, flushRuleset, runner, NftTransactions.oneShot(runner), log, parallelism);
    }

    /**
     * @param runner       runs the listings (drift, audit counters, the node's addresses)
     * @param transactions runs the transactions that change the tables (one {@code nft} process each, or
     *                     {@link NftSessions}); closed with this Enforcer
     * @param parallelism  how many namespaces' transactions may run at once; 1: one after the other, in the order of
     *                     the sections
     */
    public Enforcer(String agent, NetnsResolver resolver, PodNetns.Backoff backoff, List<NftRuleset.Endpoint> servers,
                    List<String> fixedOwnAddresses, boolean flushRuleset, CommandRunner runner, NftTransactions transactions, PrintStream log,
                    int parallelism) {
        if (parallelism < 1) throw new IllegalArgumentException("parallelism: expected at least 1, found " + parallelism);
        this.parallelism = parallelism;
        this.agent = agent;
        this.pods = new PodNetns(resolver, backoff, System::nanoTime, log);
        this.servers = List.copyOf(servers);
        this.fixedOwnAddresses = List.copyOf(fixedOwnAddresses);
        this.flushRuleset = flushRuleset;
        this.runner = runner;
        this.transactions = transactions;
        this.log = log;
        this.discovered = agent.startsWith("node/") && fixedOwnAddresses.isEmpty() ? new NodeAddresses(runner, log) : null;
    }

    /**
     * Lists the node's own addresses again (when they are discovered, not given); returns whether they
     * changed, so that the caller re-applies the view: an interface a CNI adds after the last event.
     */
    public synchronized boolean ownAddressesChanged() {
        return discovered != null && discovered.refresh(pods.resolver().own(agent));
    }

    /**
     * Whether the last view should be applied again although nothing changed: a pending pod's retry has
     * come, or the namespace a pod was applied into is gone (its sandbox was re-created).
     */
    public synchronized boolean retryDue() {
        return pods.retryDue();
    }

    /** Applies the view, incrementally where a table of this agent is in force; returns what is in force where. */
    public Outcome enforce(AgentView view, long version) {
        return enforce(view, version, false);
    }

    /**
     * Applies the view; returns what is in force where. Each namespace gets one {@code nft -f} transaction:
     * the whole table when {@code recreate} (a replacing snapshot), on the first apply there, after a failed
     * apply there, or when {@link #checkDrift()} found it changed by someone else; else the {@link NftPlan}
     * from the table last applied there to the wanted one (nothing when they are equal). A failed incremental
     * transaction changed nothing, and the whole table is tried at once.
     */
    public synchronized Outcome enforce(AgentView view, long version, boolean recreate) {
        // Each step is a method of its own, and the loops' bodies too: this runs once per delta and its loops once per
        // namespace, so the JIT compiles it on its back-edges with everything it calls inlined; kept small, that
        // compile costs milliseconds instead of seconds, and so does each recompile when a new kind of delta arrives.
        NetnsRef ownNs = pods.resolver().own(agent);
        List<NftRuleset.Section> sections = NftRuleset.render(view, options(ownNs, version), memo);
        Map<String, NetnsResolver.Resolution> where = pods.lookup(wanted(view, sections));
        Map<String, Integer> rulesPerWorkload = rulesPerWorkload(view);
        Map<String, String> pending = new TreeMap<>();
        List<Job> jobs = new ArrayList<>(sections.size());
        NftPlan.ElementDiffs diffs = memo.elementDiffs(); // each changed set's, computed once for every namespace
        for (NftRuleset.Section s : sections) {
            Job j = job(s, ownNs, where, pending, rulesPerWorkload, diffs, recreate);
            if (j != null) jobs.add(j);
        }
        List<Done> done = runAll(jobs, version);
        List<AgentStatus.NamespaceStatus> statuses = new ArrayList<>(done.size());
        Patched patched = new Patched();
        for (Done d : done) statuses.add(record(d, version, patched));
        patched.log(log, version);
        removeLeft(sections);
        // what is held for a namespace no longer applied into goes (a session holds its namespace alive)
        List<NetnsRef> refs = new ArrayList<>(applied.size());
        for (InForce f : applied.values()) refs.add(f.ref());
        transactions.retain(refs);
        return new Outcome(statuses, pending);
    }

    /** The render's options: the servers and the node's own addresses (listed again when they are discovered). */
    private NftRuleset.Options options(NetnsRef ownNs, long version) {
        if (discovered == null) return new NftRuleset.Options(servers, fixedOwnAddresses);
        discovered.refresh(ownNs);
        if (!discovered.known()) {
            log.println("microseg enforce: version " + version + ": the node's own addresses are not known: its forward chain"
                    + " judges every DNATed connection by the node's rules until they are");
        }
        return new NftRuleset.Options(servers, discovered.addresses(), discovered.known());
    }

    /** The pods' sections to find namespaces for, with their addresses. */
    private static Map<String, List<String>> wanted(AgentView view, List<NftRuleset.Section> sections) {
        Map<String, List<String>> wanted = new TreeMap<>();
        for (NftRuleset.Section s : sections) if (!s.own()) wanted.put(s.netns(), view.addresses().getOrDefault(s.netns(), List.of()));
        return wanted;
    }

    private static Map<String, Integer> rulesPerWorkload(AgentView view) {
        Map<String, Integer> rulesPerWorkload = new HashMap<>();
        for (var r : view.rules()) rulesPerWorkload.merge(r.workload(), 1, Integer::sum);
        return rulesPerWorkload;
    }

    /**
     * One section's job: where its table goes and the plan that gets it there; null when the pod's namespace is not
     * found (it goes to {@code pending}, with the reason).
     */
    private Job job(NftRuleset.Section s, NetnsRef ownNs, Map<String, NetnsResolver.Resolution> where, Map<String, String> pending,
                    Map<String, Integer> rulesPerWorkload, NftPlan.ElementDiffs diffs, boolean recreate) {
        NetnsRef ns;
        if (s.own()) {
            ns = ownNs;
        } else if (where.get(s.netns()) instanceof NetnsResolver.Resolution.Found f) {
            ns = f.ref();
        } else {
            NetnsResolver.Resolution r = where.get(s.netns());
            pending.put(s.netns(), r instanceof NetnsResolver.Resolution.Pending p ? p.reason() : "not resolved");
            return null;
        }
        return new Job(s, ns, plan(s, ns, diffs, recreate), count(rulesPerWorkload, s));
    }

    /** What to run in the section's namespace (docs/incremental-nft.md, "When the table is re-created"). */
    private NftPlan plan(NftRuleset.Section s, NetnsRef ns, NftPlan.ElementDiffs diffs, boolean recreate) {
        InForce before = applied.get(s.netns());
        if (before == null) return new NftPlan.Recreate(recreate ? "a replacing snapshot" : "first apply in this namespace");
        if (!before.ref().equals(ns)) return new NftPlan.Recreate("the pod's namespace changed");
        if (drifted.remove(s.netns())) return new NftPlan.Recreate("the table was changed by someone else");
        if (recreate) {
            // a replacing snapshot: the table this agent applied here is trusted (the drift check looks at it), and only
            // a table whose content differs is re-created, whole
            return before.table().equals(s.table()) ? new NftPlan.Unchanged() : new NftPlan.Recreate("a replacing snapshot");
        }
        return NftPlan.between(before.table(), s.table(), diffs);
    }

    /** Runs the jobs' transactions, {@link #parallelism} at a time when more than one changes anything. */
    private List<Done> runAll(List<Job> jobs, long version) {
        List<Done> done = new ArrayList<>(jobs.size());
        if (parallelism <= 1 || changing(jobs) <= 1) {
            for (Job j : jobs) done.add(run(j, version));
            return done;
        }
        List<java.util.concurrent.Future<Done>> futures = new ArrayList<>(jobs.size());
        for (Job j : jobs) futures.add(j.plan() instanceof NftPlan.Unchanged ? null : pool().submit(() -> run(j, version)));
        for (int i = 0; i < jobs.size(); i++) done.add(futures.get(i) == null ? unchanged(jobs.get(i)) : await(futures.get(i)));
        return done;
    }

    private static int changing(List<Job> jobs) {
        int n = 0;
        for (Job j : jobs) if (!(j.plan() instanceof NftPlan.Unchanged)) n++;
        return n;
    }

    private static Done await(java.util.concurrent.Future<Done> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while applying", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("applying failed", e.getCause());
        }
    }

    /** What a job's result leaves in force: its status, and what this agent holds as applied there. */
    private AgentStatus.NamespaceStatus record(Done d, long version, Patched patched) {
        Job j = d.job();
        CommandRunner.Result r = d.result();
        boolean ok = r.exit() == 0;
        String section = j.section().netns();
        if (d.how() != How.UNCHANGED) {
            if (ok) {
                applied.put(section, new InForce(j.ns(), j.section().table()));
                if (d.how() == How.PATCHED) {
                    patched.add((NftPlan.Patch) j.plan());
                } else {
                    drifted.remove(section); // re-created anyway
                    logApplied(j, d, version);
                }
            } else {
                applied.remove(section);
                log.println("microseg enforce: version " + version + ": nft failed for " + section + ": " + r.output().trim());
            }
        }
        return new AgentStatus.NamespaceStatus(section, j.ns().label(), ok, j.rules(), ok ? null : r.output().trim());
    }

    private void logApplied(Job j, Done d, long version) {
        String how = d.how() == How.RECREATED_AFTER_PATCH ? "re-created (the incremental apply failed)"
                : "re-created (" + ((NftPlan.Recreate) j.plan()).why() + ")";
        log.println("microseg enforce: version " + version + ": applied " + j.section().netns()
                + (j.ns() instanceof NetnsRef.Own ? "" : " (netns " + j.ns().label() + ")") + ": " + j.rules() + " rules, " + how);
    }

    /**
     * The namespaces one apply patched, logged as one line: a change of a set every pod uses patches every namespace
     * of the node, the same way in each (re-created and failed namespaces get a line each).
     */
    private static final class Patched {
        private int namespaces;
        private long added;
        private long removed;
        private long chains;

        void add(NftPlan.Patch p) {
            namespaces++;
            added += p.elementsAdded();
            removed += p.elementsRemoved();
            chains += p.chainsReplaced();
        }

        void log(PrintStream log, long version) {
            if (namespaces == 0) return;
            log.println("microseg enforce: version " + version + ": applied incrementally in " + namespaces + (namespaces == 1 ? " namespace" : " namespaces")
                    + " (+" + added + "/-" + removed + " elements, " + chains + " chains replaced, in all)");
        }
    }

    /** A pod that left this node: its table goes, if its namespace is still the one it was applied into. */
    private void removeLeft(List<NftRuleset.Section> sections) {
        if (applied.size() <= sections.size() && sameSections(sections)) return;
        java.util.Set<String> rendered = new java.util.HashSet<>();
        for (NftRuleset.Section s : sections) rendered.add(s.netns());
        for (var e : List.copyOf(applied.entrySet())) {
            String section = e.getKey();
            if (rendered.contains(section)) continue;
            applied.remove(section);
            drifted.remove(section);
            NetnsRef ref = e.getValue().ref();
            if (!pods.resolver().stillThere(ref)) continue;
            CommandRunner.Result r = nft(ref, "table inet " + NftRuleset.TABLE + " {}\ndelete table inet " + NftRuleset.TABLE + "\n");
            log.println("microseg enforce: " + section + " left: removed table inet microseg from netns " + ref.label() + (r.exit() == 0 ? "" : ": " + r.output().trim()));
        }
    }

    /** Whether every section applied is one of {@code sections} (no pod left). */
    private boolean sameSections(List<NftRuleset.Section> sections) {
        int found = 0;
        for (NftRuleset.Section s : sections) if (applied.containsKey(s.netns())) found++;
        return found == applied.size();
    }

    /** What the audited DENY rules of {@code view} counted, read where their namespaces were applied ({@link AuditCounters}). */
    public synchronized List<AgentStatus.RuleCounter> auditCounters(AgentView view) {
        Map<String, NetnsRef> where = new HashMap<>();
        applied.forEach((section, f) -> where.put(section, f.ref()));
        return AuditCounters.read(runner, view, where);
    }

    /**
     * Looks at every table this agent applied ({@code nft -t -j list table inet microseg}: without set elements,
     * so it costs little even with large sets) and compares its shape with what was applied: the same sets, the
     * same chains, as many rules in each. A table gone or of another shape (someone flushed the ruleset, deleted
     * the table, added or removed a rule or a set) is marked so that the next apply re-creates it; returns
     * whether any was, so that the caller applies again. Edits that keep the shape (an element deleted by hand, a
     * rule replaced by another) are not seen here; the next replacing snapshot re-creates every table.
     */
    public synchronized boolean checkDrift() {
        boolean any = false;
        for (var e : applied.entrySet()) {
            NetnsRef ref = e.getValue().ref();
            if (!(ref instanceof NetnsRef.Own) && !pods.resolver().stillThere(ref)) continue;
            List<String> cmd = ref.command("nft", "-t", "-j", "list", "table", "inet", NftRuleset.TABLE);
            String why;
            try {
                CommandRunner.Result r = runner.run(cmd, "");
                why = r.exit() != 0 ? "the table is gone (" + r.output().trim() + ")" : NftShape.differs(e.getValue().table(), r.output());
            } catch (IOException ex) {
                log.println("microseg enforce: could not check the table of " + e.getKey() + ": " + ex.getMessage());
                continue;
            }
            if (why != null) {
                log.println("microseg enforce: " + e.getKey() + ": table inet microseg was changed by someone else (" + why + "): it is re-created");
                drifted.add(e.getKey());
                any = true;
            }
        }
        return any;
    }

    /** One namespace's work in an apply: its section, where it goes, the plan. */
    private record Job(NftRuleset.Section section, NetnsRef ns, NftPlan plan, int rules) {}

    /** How a job's table was applied (or tried). */
    private enum How { UNCHANGED, PATCHED, RECREATED, RECREATED_AFTER_PATCH }

    /** A job's result and how it was applied. */
    private record Done(Job job, CommandRunner.Result result, How how) {}

    private static final CommandRunner.Result NOTHING_RUN = new CommandRunner.Result(0, "");

    private static Done unchanged(Job j) {
        return new Done(j, NOTHING_RUN, How.UNCHANGED);
    }

    /**
     * Runs one job's transaction; a failed incremental one changed nothing, and the whole table is tried at once.
     * Touches no field but the transactions and the log, so that jobs of different namespaces can run at once.
     */
    private Done run(Job j, long version) {
        if (j.plan() instanceof NftPlan.Unchanged) return unchanged(j);
        if (j.plan() instanceof NftPlan.Patch p) {
            CommandRunner.Result r = nft(j.ns(), p.script());
            if (r.exit() == 0) return new Done(j, r, How.PATCHED);
            logPatchFailed(j, r, version);
            return new Done(j, nft(j.ns(), full(j)), How.RECREATED_AFTER_PATCH);
        }
        return new Done(j, nft(j.ns(), full(j)), How.RECREATED);
    }

    private void logPatchFailed(Job j, CommandRunner.Result r, long version) {
        log.println("microseg enforce: version " + version + ": the incremental apply failed for " + j.section().netns() + " ("
                + r.output().trim() + "): re-creating its table");
    }

    /** The job's whole table: its full script, after {@code flush ruleset} in the own namespace of a dedicated host. */
    private String full(Job j) {
        return j.section().own() && flushRuleset ? "flush ruleset\n" + j.section().script() : j.section().script();
    }

    private java.util.concurrent.ExecutorService pool() {
        if (pool == null) {
            java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
            pool = java.util.concurrent.Executors.newFixedThreadPool(parallelism, r -> {
                Thread t = new Thread(r, "microseg-nft-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    private static int count(Map<String, Integer> rulesPerWorkload, NftRuleset.Section s) {
        return s.workloads().stream().mapToInt(w -> rulesPerWorkload.getOrDefault(w, 0)).sum();
    }

    private CommandRunner.Result nft(NetnsRef ns, String script) {
        return transactions.run(ns, script);
    }

    /** Ends what this Enforcer runs (its threads, its nft sessions); the rules in force stay. */
    @Override
    public synchronized void close() {
        if (pool != null) pool.shutdownNow();
        transactions.close();
    }
}
