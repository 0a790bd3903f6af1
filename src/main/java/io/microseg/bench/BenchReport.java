package io.microseg.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** The figures of one bench run, as one flat JSON object or as lines for people. */
public record BenchReport(ClusterShape shape, long seed, long generateMillis, long compileMillis, CompileCost compileCost, long heapBytesAfterGc,
                          long snapshotMillis, long rules, long sets, long setMembers, long warnings, Output output,
                          Map<ChangeKind, Latency> latencies, double changesPerSecond, int churnBatch, long churnBatchP99Millis,
                          long churnEngineCpuMillis, long churnChanges, PodChangeFanout fanout) {

    /**
     * What the full compile cost besides wall time, which on a shared machine follows the load: the
     * engine thread's CPU time, and the collectors' pauses (both in milliseconds).
     */
    public record CompileCost(long engineCpuMillis, long gcPauseMillis) {}

    /**
     * What writing the compiled result costs, the output's own price: the compile JSON as {@code compile}
     * prints it (to a discarding writer), and the feed's snapshot of every agent as the watch stream
     * encodes it (a feed initialized from the engine's snapshot, then one NDJSON line per agent).
     */
    public record Output(long compileJsonMillis, long compileJsonBytes, long agentSnapshotsMillis, long agentSnapshotBytes, int agents) {}

    /**
     * p50 and p99 of one kind of change, in microseconds: wall time from submit to sync, and the engine
     * thread's CPU time for the batch (with the subscribers' share of it), which the machine's load
     * inflates far less.
     */
    public record Latency(int samples, long p50Micros, long p99Micros, long cpuP50Micros, long cpuP99Micros) {}

    /** Rules and set members an agent receives for one pod change: agents reached, average and max per agent. */
    public record PodChangeFanout(double agentsPerChange, double perAgentAverage, long perAgentMax) {}

    public Map<String, Object> fields() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("pods", shape.pods());
        f.put("nodes", shape.nodes());
        f.put("services", shape.services());
        f.put("policies", shape.policies());
        f.put("namespaces", shape.namespaces());
        f.put("antrea", shape.antrea());
        f.put("seed", seed);
        f.put("generateMillis", generateMillis);
        f.put("compileMillis", compileMillis);
        f.put("compileCpuMillis", compileCost.engineCpuMillis());
        f.put("compileGcPauseMillis", compileCost.gcPauseMillis());
        f.put("heapBytesAfterGc", heapBytesAfterGc);
        f.put("snapshotMillis", snapshotMillis);
        f.put("compileJsonMillis", output.compileJsonMillis());
        f.put("compileJsonBytes", output.compileJsonBytes());
        f.put("compileToJsonRatio", round(output.compileJsonMillis() == 0 ? 0 : (double) compileMillis / output.compileJsonMillis()));
        f.put("agentSnapshotsMillis", output.agentSnapshotsMillis());
        f.put("agentSnapshotBytes", output.agentSnapshotBytes());
        f.put("compileToAgentSnapshotsRatio", round(output.agentSnapshotsMillis() == 0 ? 0 : (double) compileMillis / output.agentSnapshotsMillis()));
        f.put("rules", rules);
        f.put("sets", sets);
        f.put("setMembers", setMembers);
        f.put("warnings", warnings);
        latencies.forEach((kind, l) -> {
            f.put(kind.field() + "Samples", l.samples());
            f.put(kind.field() + "P50Micros", l.p50Micros());
            f.put(kind.field() + "P99Micros", l.p99Micros());
            f.put(kind.field() + "CpuP50Micros", l.cpuP50Micros());
            f.put(kind.field() + "CpuP99Micros", l.cpuP99Micros());
        });
        f.put("changesPerSecond", Math.round(changesPerSecond));
        f.put("churnBatch", churnBatch);
        f.put("churnBatchP99Millis", churnBatchP99Millis);
        f.put("churnEngineCpuMillis", churnEngineCpuMillis);
        f.put("changesPerEngineCpuSecond", churnEngineCpuMillis == 0 ? 0 : Math.round(churnChanges * 1000.0 / churnEngineCpuMillis));
        f.put("podChangeAgentsAverage", round(fanout.agentsPerChange()));
        f.put("podChangePerAgentAverage", round(fanout.perAgentAverage()));
        f.put("podChangePerAgentMax", fanout.perAgentMax());
        return f;
    }

    public String json() {
        try {
            return new ObjectMapper().writeValueAsString(fields());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public String text() {
        StringJoiner out = new StringJoiner("\n");
        out.add(String.format(Locale.ROOT, "cluster: %d pods, %d nodes, %d services, %d policies, %d namespaces%s (seed %d, generated in %d ms)",
                shape.pods(), shape.nodes(), shape.services(), shape.policies(), shape.namespaces(), shape.antrea() ? ", Antrea shape" : "",
                seed, generateMillis));
        out.add(String.format(Locale.ROOT, "full compile: %d ms (engine thread CPU %d ms, GC pauses %d ms); heap after GC %.0f MB; snapshot %d ms",
                compileMillis, compileCost.engineCpuMillis(), compileCost.gcPauseMillis(), heapBytesAfterGc / 1048576.0, snapshotMillis));
        out.add(String.format(Locale.ROOT, "output: compile JSON %d ms (%.0f MB, compile/JSON %.1f); every agent's snapshot %d ms (%.0f MB, %d agents)",
                output.compileJsonMillis(), output.compileJsonBytes() / 1048576.0,
                output.compileJsonMillis() == 0 ? 0 : (double) compileMillis / output.compileJsonMillis(),
                output.agentSnapshotsMillis(), output.agentSnapshotBytes() / 1048576.0, output.agents()));
        out.add(String.format(Locale.ROOT, "compiled: %d rules, %d sets with %d members, %d warnings", rules, sets, setMembers, warnings));
        latencies.forEach((kind, l) -> out.add(String.format(Locale.ROOT, "%-18s p50 %8d us  p99 %8d us  (%d samples; engine CPU p50 %d us, p99 %d us)",
                kind.field(), l.p50Micros(), l.p99Micros(), l.samples(), l.cpuP50Micros(), l.cpuP99Micros())));
        out.add(String.format(Locale.ROOT, "churn: %.0f changes/s in batches of %d (batch p99 %d ms; engine thread CPU %d ms for %d changes)",
                changesPerSecond, churnBatch, churnBatchP99Millis, churnEngineCpuMillis, churnChanges));
        out.add(String.format(Locale.ROOT, "per pod change: %.1f agents reached, %.1f rules+members per agent on average, %d at most",
                fanout.agentsPerChange(), fanout.perAgentAverage(), fanout.perAgentMax()));
        return out.toString();
    }

    private static double round(double d) {
        return Math.round(d * 10) / 10.0;
    }
}
