package io.microseg.bench;

import io.microseg.compile.Compilation;
import io.microseg.compile.RuleBase;
import io.microseg.engine.Change;
import io.microseg.engine.Engine;
import io.microseg.engine.Snapshot;
import io.microseg.policy.Workspace;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Measures the live {@link Engine} on a {@link SyntheticCluster}, engine side only (submit to
 * {@code sync()}): the full initial compile, the heap it holds, the size of the result, the latency
 * of single changes of each {@link ChangeKind}, sustained churn, and how much of a pod change's change
 * set each agent receives.
 */
public final class Bench {
    /**
     * Sustained churn: pods coming, going and relabelled, and endpoints moving, as in a busy cluster.
     * Service type and policy changes are configuration changes, measured one by one above.
     */
    private static final ChangeKind[] CHURN = {ChangeKind.POD_RELABEL, ChangeKind.POD_RELABEL, ChangeKind.POD_RELABEL,
            ChangeKind.POD_ADD, ChangeKind.POD_ADD, ChangeKind.POD_ADD, ChangeKind.POD_DELETE, ChangeKind.POD_DELETE,
            ChangeKind.POD_DELETE, ChangeKind.ENDPOINT};
    /** A sync that takes this long means the engine thread died (out of memory): fail instead of waiting forever. */
    private static final long SYNC_TIMEOUT_MINUTES = 30;

    private final RuleBase rules;
    private final Consumer<String> progress;

    public Bench(RuleBase rules, Consumer<String> progress) {
        this.rules = rules;
        this.progress = progress;
    }

    public BenchReport run(BenchOptions o) {
        long t = System.nanoTime();
        SyntheticCluster cluster = SyntheticCluster.generate(o.shape(), o.seed());
        long generateMillis = millisSince(t);
        progress.accept("generated " + cluster.podCount() + " pods, " + cluster.objects().size() + " objects, "
                + cluster.workspaces().size() + " workspaces in " + generateMillis + " ms");
        ChangeFactory changes = new ChangeFactory(cluster, o.seed() + 1);

        try (Engine engine = new Engine(rules)) {
            // The engine thread's CPU time so far, read on that thread at the end of each batch: it does
            // nothing before the compile, so after the compile's last batch this is the compile's CPU.
            AtomicLong engineCpuNanos = new AtomicLong();
            // The engine thread's CPU time for the last batch: from the end of the previous batch's
            // publishing (the mark, set by the last subscriber) to the end of this one's compile, so that a
            // batch pays for its own subscribers' work, not its predecessor's.
            AtomicLong batchCpuNanos = new AtomicLong();
            AtomicLong mark = new AtomicLong();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            engine.timeBatches(took -> {
                long now = threads.getCurrentThreadCpuTime();
                engineCpuNanos.set(now);
                batchCpuNanos.set(now - mark.getAndSet(now));
            });
            engine.start();
            long gcBefore = gcPauseMillis();
            t = System.nanoTime();
            // Policies first, as `serve` loads them: the selection index then groups the inventory
            // once, knowing every query, instead of grouping it and regrouping it when they arrive.
            for (Workspace w : cluster.workspaces()) {
                engine.submit(new Change.Workspaces(ChangeFactory.workspaceSource(w.name()), List.of(w)));
            }
            engine.submit(new Change.Replace(ChangeFactory.INVENTORY_SOURCE, cluster.objects()));
            sync(engine);
            long compileMillis = millisSince(t);
            BenchReport.CompileCost cost = new BenchReport.CompileCost(engineCpuNanos.get() / 1_000_000, gcPauseMillis() - gcBefore);
            progress.accept("full compile: " + compileMillis + " ms (engine thread CPU " + cost.engineCpuMillis() + " ms, GC pauses "
                    + cost.gcPauseMillis() + " ms)");
            long heap = heapAfterGc();
            progress.accept("heap after GC: " + heap / 1048576 + " MB");

            t = System.nanoTime();
            Snapshot snapshot = engine.snapshot();
            long snapshotMillis = millisSince(t);
            Compilation c = snapshot.compilation();
            long ruleCount = c.ruleCount();
            long setCount = c.sets().size();
            long members = c.sets().stream().mapToLong(s -> s.members().size()).sum();
            long warnings = c.warnings().size();
            progress.accept("snapshot: " + snapshotMillis + " ms, " + ruleCount + " rules, " + setCount + " sets, " + members + " members");
            BenchReport.Output output = o.measureOutput() ? OutputCost.of(snapshot) : new BenchReport.Output(0, 0, 0, 0, 0);
            if (o.measureOutput()) progress.accept("output: compile JSON " + output.compileJsonMillis() + " ms (" + output.compileJsonBytes() / 1048576
                    + " MB), every agent's feed snapshot " + output.agentSnapshotsMillis() + " ms (" + output.agentSnapshotBytes() / 1048576
                    + " MB, " + output.agents() + " agents)");

            AgentFanout fanout = new AgentFanout(snapshot);
            snapshot = null; // the fan-out keeps what it needs; the rest is garbage before latencies are measured
            c = null;
            engine.subscribe(fanout);
            engine.subscribe(changeSet -> {
                long now = threads.getCurrentThreadCpuTime();
                engineCpuNanos.set(now);
                mark.set(now);
            });
            Map<ChangeKind, BenchReport.Latency> latencies = new EnumMap<>(ChangeKind.class);
            double fanAgents = 0;
            double fanAverage = 0;
            long fanMax = 0;
            int fanSamples = 0;
            for (ChangeKind kind : ChangeKind.values()) {
                if (!changes.supports(kind)) continue;
                Latencies l = new Latencies();
                Latencies cpu = new Latencies();
                for (int i = 0; i < o.warmup() + o.samples(); i++) {
                    Change change = changes.next(kind);
                    long start = System.nanoTime();
                    engine.submit(change);
                    sync(engine);
                    long took = System.nanoTime() - start;
                    long tookCpu = batchCpuNanos.get();
                    AgentFanout.Fanout f = fanout.process();
                    if (i < o.warmup()) continue;
                    l.add(took);
                    cpu.add(tookCpu);
                    if (kind.isPodChange()) {
                        fanAgents += f.agents();
                        fanAverage += f.perAgent();
                        fanMax = Math.max(fanMax, f.max());
                        fanSamples++;
                    }
                }
                BenchReport.Latency latency = new BenchReport.Latency(l.count(), l.percentileMicros(50), l.percentileMicros(99),
                        cpu.percentileMicros(50), cpu.percentileMicros(99));
                latencies.put(kind, latency);
                progress.accept(kind.field() + ": p50 " + latency.p50Micros() + " us, p99 " + latency.p99Micros() + " us (engine CPU p50 "
                        + latency.cpuP50Micros() + " us, p99 " + latency.cpuP99Micros() + " us)");
            }

            Random pick = new Random(o.seed() + 2);
            Latencies batches = new Latencies();
            long churned = 0;
            long churnCpuStart = engineCpuNanos.get();
            long churnStart = System.nanoTime();
            long churnEnd = churnStart + (long) (o.churnSeconds() * 1e9);
            while (System.nanoTime() < churnEnd || churned == 0) {
                long start = System.nanoTime();
                for (int i = 0; i < o.churnBatch(); i++) {
                    ChangeKind kind = CHURN[pick.nextInt(CHURN.length)];
                    if (!changes.supports(kind)) kind = ChangeKind.POD_RELABEL;
                    engine.submit(changes.next(kind));
                }
                sync(engine);
                batches.add(System.nanoTime() - start);
                fanout.process(); // keeps following placements and set use, untimed
                churned += o.churnBatch();
            }
            double perSecond = churned / ((System.nanoTime() - churnStart) / 1e9);
            long churnCpuMillis = (engineCpuNanos.get() - churnCpuStart) / 1_000_000;
            progress.accept("churn: " + Math.round(perSecond) + " changes/s (engine thread CPU " + churnCpuMillis + " ms for " + churned + " changes)");

            BenchReport.PodChangeFanout fan = new BenchReport.PodChangeFanout(fanSamples == 0 ? 0 : fanAgents / fanSamples,
                    fanSamples == 0 ? 0 : fanAverage / fanSamples, fanMax);
            return new BenchReport(o.shape(), o.seed(), generateMillis, compileMillis, cost, heap, snapshotMillis, ruleCount,
                    setCount, members, warnings, output, latencies, perSecond, o.churnBatch(),
                    batches.percentileMicros(99) / 1000, churnCpuMillis, churned, fan);
        }
    }

    /** Waits for the engine's batches so far; an engine that does not finish one in time is taken to be out of heap. */
    static void sync(Engine engine) {
        try {
            engine.sync().get(SYNC_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the engine did not finish a batch in " + SYNC_TIMEOUT_MINUTES
                    + " minutes; did it run out of memory? Give the JVM more heap (-Xmx)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Time the collectors have paused the application so far (as the JVM counts it). */
    private static long gcPauseMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) sum += Math.max(0, gc.getCollectionTime());
        return sum;
    }

    /** Heap used after three requested collections, in bytes. */
    static long heapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
