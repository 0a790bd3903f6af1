package io.microseg.bench;

import io.microseg.compile.RuleBase;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.Codec;
import io.microseg.controlplane.CompiledRule;
import io.microseg.engine.Change;
import io.microseg.engine.Engine;
import io.microseg.feed.FeedStore;
import io.microseg.policy.Workspace;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Compares the two forms the rule feed could send agents, on the live engine's output for a
 * {@link SyntheticCluster}: <em>expanded</em>, what the feed sends today ({@link FeedStore}'s snapshot and
 * deltas, encoded by {@link Codec}), and <em>groups</em>, the same events with each agent's rules as
 * {@link RuleTemplate}s and memberships ({@link GroupsWire}). For every measured agent it encodes both,
 * decodes both as an agent would, rebuilds the rules from the groups form and requires them equal to the
 * expanded form's (the run fails otherwise), and measures bytes, CPU on each side and heap. Then it makes
 * changes of each {@link ChangeKind} and does the same with every delta the feed hands the measured agents.
 *
 * <p>The groups form is made here from the feed's output, not by a server built for it: a snapshot's by
 * grouping the agent's rules ({@link GroupedRules#group}), a delta's from the feed's delta and the agent's
 * grouped rules with an index of its rule ids ({@link GroupsDeltas#of}, in time proportional to the delta).
 * Its server cost is therefore the feed's plus this derivation, each reported apart. Every groups delta is
 * also checked against the agent's rules after the change, grouped anew from the feed (untimed).
 */
public final class WireBench {
    private static final String EPOCH = "0123456789abcdef";

    private final RuleBase rules;
    private final Consumer<String> progress;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    public WireBench(RuleBase rules, Consumer<String> progress) {
        this.rules = rules;
        this.progress = progress;
    }

    /** An agent's delta as the feed handed it to its stream. */
    private record Received(String agent, AgentEvent.Delta delta) {}

    public Map<String, Object> run(WireOptions o) throws Codec.WireFormatException {
        SyntheticCluster cluster = SyntheticCluster.generate(o.shape(), o.seed());
        ChangeFactory changes = new ChangeFactory(cluster, o.seed() + 1);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("pods", o.shape().pods());
        report.put("nodes", o.shape().nodes());
        report.put("services", o.shape().services());
        report.put("policies", o.shape().policies());
        report.put("antrea", o.shape().antrea());
        report.put("seed", o.seed());
        try (Engine engine = new Engine(rules)) {
            engine.start();
            for (Workspace w : cluster.workspaces()) {
                engine.submit(new Change.Workspaces(ChangeFactory.workspaceSource(w.name()), List.of(w)));
            }
            engine.submit(new Change.Replace(ChangeFactory.INVENTORY_SOURCE, cluster.objects()));
            Bench.sync(engine);
            long heapEngine = Bench.heapAfterGc();
            progress.accept("compiled; heap after GC " + heapEngine / 1048576 + " MB");

            FeedStore feed = new FeedStore(0);
            AtomicLong feedCpu = new AtomicLong();
            engine.subscribe(c -> {
                long t = threads.getCurrentThreadCpuTime();
                feed.accept(c);
                feedCpu.set(threads.getCurrentThreadCpuTime() - t);
            });
            feed.initialize(engine.snapshot());
            long heapFeed = Bench.heapAfterGc();
            List<String> all = new ArrayList<>(feed.agents());
            List<String> agents = sample(all, o.agents());
            report.put("agents", all.size());
            report.put("agentsMeasured", agents.size());

            Map<RuleTemplate, String> names = new HashMap<>();
            Map<String, GroupedRules> held = new HashMap<>();
            Map<String, Map<String, GroupsDeltas.Member>> index = new HashMap<>();
            report.put("snapshot", snapshots(feed, agents, names, held, index));
            report.put("distinctTemplates", names.size());
            report.put("memory", memory(feed, all, names, heapEngine, heapFeed));
            report.put("deltas", deltas(engine, feed, feedCpu, changes, agents, names, held, index, o));
        }
        return report;
    }

    /** Every {@code n}-th agent in name order so that {@code count} are measured; all when count is 0 or covers them. */
    static List<String> sample(List<String> agents, int count) {
        if (count == 0 || count >= agents.size()) return agents;
        List<String> out = new ArrayList<>(count);
        double step = (double) agents.size() / count;
        for (int i = 0; i < count; i++) out.add(agents.get((int) (i * step)));
        return out;
    }

    private Map<String, Object> snapshots(FeedStore feed, List<String> agents, Map<RuleTemplate, String> names,
                                          Map<String, GroupedRules> held, Map<String, Map<String, GroupsDeltas.Member>> index)
            throws Codec.WireFormatException {
        Figures bytesA = new Figures(), bytesB = new Figures(), rulesPartA = new Figures(), rulesPartB = new Figures();
        Figures makeA = new Figures(), encodeA = new Figures(), groupB = new Figures(), encodeB = new Figures();
        Figures decodeA = new Figures(), decodeB = new Figures(), expandB = new Figures();
        long ruleCount = 0, templateCount = 0;
        int done = 0;
        for (String agent : agents) {
            long t = cpu();
            AgentEvent.Snapshot s = feed.snapshot(agent);
            makeA.add(cpu() - t);
            t = cpu();
            byte[] a = Codec.line(s, EPOCH);
            encodeA.add(cpu() - t);
            t = cpu();
            GroupedRules g = GroupedRules.group(s.rules(), names);
            groupB.add(cpu() - t);
            t = cpu();
            byte[] b = GroupsWire.line(new GroupsWire.Snapshot(s.version(), false, g, s.sets(), s.workloads()), EPOCH);
            encodeB.add(cpu() - t);
            bytesA.add(a.length);
            bytesB.add(b.length);
            // the rules' share of each line: the rest (sets, workloads, the envelope) is the same in both forms
            long rulesPart = Codec.bytes(s.rules().stream().map(Codec::rule).toList()).length;
            rulesPartA.add(rulesPart);
            rulesPartB.add(b.length - (a.length - rulesPart));

            // the agent's side: each form decoded, the groups form expanded into the rules it renders
            t = cpu();
            AgentEvent.Snapshot da = (AgentEvent.Snapshot) Codec.decodeEvent(new String(a, StandardCharsets.UTF_8)).event();
            decodeA.add(cpu() - t);
            t = cpu();
            GroupsWire.Snapshot db = GroupsWire.decodeSnapshot(new String(b, StandardCharsets.UTF_8));
            decodeB.add(cpu() - t);
            t = cpu();
            List<CompiledRule> rebuilt = db.rules().expand();
            expandB.add(cpu() - t);
            if (!rebuilt.equals(da.rules()) || !db.sets().equals(da.sets()) || !db.workloads().equals(da.workloads())) {
                throw new IllegalStateException("agent " + agent + ": the groups form does not give back the feed's snapshot: "
                        + firstDifference(da.rules(), rebuilt));
            }
            ruleCount += s.rules().size();
            templateCount += g.templates();
            held.put(agent, g);
            Map<String, GroupsDeltas.Member> ids = new HashMap<>();
            for (CompiledRule r : s.rules()) ids.put(r.id(), new GroupsDeltas.Member(names.get(RuleTemplate.of(r)), r.workload()));
            index.put(agent, ids);
            if (++done % 500 == 0) progress.accept("snapshots: " + done + " of " + agents.size() + " agents");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rules", ruleCount);
        m.put("templates", templateCount);
        m.put("checked", done);
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("bytes", bytesA.summary(1));
        a.put("rulesBytes", rulesPartA.summary(1));
        a.put("serverMakeCpuMicros", makeA.summary(1000));
        a.put("serverEncodeCpuMicros", encodeA.summary(1000));
        a.put("agentDecodeCpuMicros", decodeA.summary(1000));
        m.put("expanded", a);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("bytes", bytesB.summary(1));
        b.put("templatesBytes", rulesPartB.summary(1));
        b.put("serverGroupCpuMicros", groupB.summary(1000));
        b.put("serverEncodeCpuMicros", encodeB.summary(1000));
        b.put("agentDecodeCpuMicros", decodeB.summary(1000));
        b.put("agentExpandCpuMicros", expandB.summary(1000));
        m.put("groups", b);
        progress.accept("snapshots of " + done + " agents: expanded " + bytesA.total() / 1048576 + " MB, groups " + bytesB.total() / 1048576
                + " MB; " + ruleCount + " rules as " + templateCount + " templates (" + names.size() + " distinct)");
        return m;
    }

    /**
     * The heap each form takes when the server holds it for every agent (not only the measured ones), after
     * GC: the expanded rules as the wire carries them (no justifications), then the grouped rules (template
     * names shared, as a server names each template once); each made anew from the feed, held, measured and
     * dropped. Sets and workloads are the same in both forms (the feed's own lists) and not counted. Also
     * the heap the feed itself holds today ({@code feedHeldBytes}): it makes snapshots when asked and holds
     * neither form.
     */
    private Map<String, Object> memory(FeedStore feed, List<String> agents, Map<RuleTemplate, String> names, long heapEngine,
                                       long heapFeed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engineHeapBytes", heapEngine);
        m.put("feedHeldBytes", heapFeed - heapEngine);
        m.put("agents", agents.size());
        long base = Bench.heapAfterGc();
        List<List<CompiledRule>> expanded = new ArrayList<>(agents.size());
        for (String agent : agents) {
            List<CompiledRule> rules = new ArrayList<>();
            for (CompiledRule r : feed.snapshot(agent).rules()) rules.add(withoutJustifications(r));
            expanded.add(rules);
        }
        long expandedBytes = Bench.heapAfterGc() - base;
        m.put("expandedHeldBytes", expandedBytes);
        expanded = null;
        base = Bench.heapAfterGc();
        List<GroupedRules> grouped = new ArrayList<>(agents.size());
        for (String agent : agents) grouped.add(GroupedRules.group(feed.snapshot(agent).rules(), names));
        long groupsBytes = Bench.heapAfterGc() - base;
        m.put("groupsHeldBytes", groupsBytes);
        progress.accept("heap held for " + grouped.size() + " agents: expanded " + expandedBytes / 1048576 + " MB, groups "
                + groupsBytes / 1048576 + " MB");
        return m;
    }

    private Map<String, Object> deltas(Engine engine, FeedStore feed, AtomicLong feedCpu, ChangeFactory changes, List<String> agents,
                                       Map<RuleTemplate, String> names, Map<String, GroupedRules> held,
                                       Map<String, Map<String, GroupsDeltas.Member>> index, WireOptions o)
            throws Codec.WireFormatException {
        ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
        List<FeedStore.Subscription> subs = new ArrayList<>();
        for (String agent : agents) {
            subs.add(feed.subscribe(agent, OptionalLong.of(feed.version()), e -> {
                if (e instanceof AgentEvent.Delta d) received.add(new Received(agent, d));
            }));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        long checked = 0;
        for (ChangeKind kind : ChangeKind.values()) {
            if (!changes.supports(kind)) continue;
            Figures agentDeltas = new Figures(), feedCpuF = new Figures();
            Figures bytesA = new Figures(), bytesB = new Figures(), perAgentA = new Figures(), perAgentB = new Figures();
            Figures serverA = new Figures(), serverB = new Figures(), derivedB = new Figures();
            Figures agentA = new Figures(), agentB = new Figures();
            for (int i = 0; i < o.warmup() + o.samples(); i++) {
                engine.submit(changes.next(kind));
                Bench.sync(engine);
                boolean measured = i >= o.warmup();
                long sumA = 0, sumB = 0, encA = 0, deriveB = 0, encB = 0;
                int n = 0;
                for (Received r = received.poll(); r != null; r = received.poll()) {
                    n++;
                    // untimed first: the delta was made on the engine thread, and whichever form touched it first
                    // would pay for bringing it into this core's cache (measured: about twice the CPU)
                    GroupsWire.line(GroupsDeltas.of(r.delta(), held.get(r.agent()).copy(), new HashMap<>(index.get(r.agent())), new HashMap<>()));
                    Codec.decodeEvent(new String(Codec.line(r.delta(), null), StandardCharsets.UTF_8));
                    long t = cpu();
                    byte[] a = Codec.line(r.delta(), null);
                    encA += cpu() - t;
                    t = cpu();
                    Codec.decodeEvent(new String(a, StandardCharsets.UTF_8));
                    long agentCpuA = cpu() - t;

                    // the groups form of the same delta, from the feed's delta and what the agent held
                    GroupedRules before = held.get(r.agent()).copy();
                    t = cpu();
                    GroupsWire.Delta gd = GroupsDeltas.of(r.delta(), held.get(r.agent()), index.get(r.agent()), names);
                    deriveB += cpu() - t;
                    t = cpu();
                    byte[] b = GroupsWire.line(gd);
                    encB += cpu() - t;

                    // the agent: decodes, renders the rules it installs and drops, applies
                    GroupedRules agentHeld = before.copy();
                    t = cpu();
                    GroupsWire.Delta db = GroupsWire.decodeDelta(new String(b, StandardCharsets.UTF_8));
                    GroupsDeltas.render(agentHeld, db);
                    GroupsDeltas.apply(agentHeld, db);
                    long agentCpuB = cpu() - t;
                    // checked against the feed: the agent's rules after the change, grouped anew and expanded
                    List<CompiledRule> now = feed.snapshot(r.agent()).rules();
                    GroupedRules after = GroupedRules.group(now, names);
                    List<CompiledRule> truth = now.stream().map(WireBench::withoutJustifications).toList();
                    if (!held.get(r.agent()).equals(after) || !agentHeld.equals(after) || !agentHeld.expand().equals(truth)
                            || !GroupsDeltas.between(before, after, r.delta()).equals(gd)) {
                        throw new IllegalStateException("agent " + r.agent() + ", " + kind.field() + ": the groups delta does not give the feed's rules: "
                                + firstDifference(truth, agentHeld.expand()));
                    }
                    checked++;
                    sumA += a.length;
                    sumB += b.length;
                    if (measured) {
                        perAgentA.add(a.length);
                        perAgentB.add(b.length);
                        agentA.add(agentCpuA);
                        agentB.add(agentCpuB);
                    }
                }
                if (!measured) continue;
                agentDeltas.add(n);
                feedCpuF.add(feedCpu.get());
                bytesA.add(sumA);
                bytesB.add(sumB);
                serverA.add(feedCpu.get() + encA);
                serverB.add(feedCpu.get() + deriveB + encB);
                derivedB.add(deriveB + encB);
            }
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("changes", o.samples());
            k.put("agentDeltas", agentDeltas.summary(1));
            k.put("feedCpuMicros", feedCpuF.summary(1000));
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("bytesPerChange", bytesA.summary(1));
            a.put("bytesPerAgentDelta", perAgentA.summary(1));
            a.put("serverCpuMicrosPerChange", serverA.summary(1000));
            a.put("agentCpuMicrosPerDelta", agentA.summary(1000));
            k.put("expanded", a);
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("bytesPerChange", bytesB.summary(1));
            b.put("bytesPerAgentDelta", perAgentB.summary(1));
            b.put("serverCpuMicrosPerChange", serverB.summary(1000));
            b.put("groupsShareCpuMicrosPerChange", derivedB.summary(1000));
            b.put("agentCpuMicrosPerDelta", agentB.summary(1000));
            k.put("groups", b);
            out.put(kind.field(), k);
            progress.accept(kind.field() + ": " + agentDeltas.percentile(50) + " agent deltas per change (p50); bytes per change p50 expanded "
                    + bytesA.percentile(50) + ", groups " + bytesB.percentile(50));
        }
        subs.forEach(FeedStore.Subscription::close);
        out.put("checked", checked);
        return out;
    }

    static CompiledRule withoutJustifications(CompiledRule r) {
        return new CompiledRule(r.id(), r.workload(), r.direction(), r.action(), r.protocol(), r.ports(), r.peerSet(), r.localSet(),
                r.rule(), r.policy(), r.rank(), r.priority(), List.of(), r.enforcement(), r.afterDnat());
    }

    private static String firstDifference(List<CompiledRule> expected, List<CompiledRule> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            if (!expected.get(i).equals(actual.get(i))) return "expected " + expected.get(i) + ", rebuilt " + actual.get(i);
        }
        return expected.size() + " rules expected, " + actual.size() + " rebuilt";
    }

    private long cpu() {
        return threads.getCurrentThreadCpuTime();
    }
}
