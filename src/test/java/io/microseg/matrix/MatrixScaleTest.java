package io.microseg.matrix;

import io.microseg.bench.ClusterShape;
import io.microseg.bench.SyntheticCluster;
import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.explain.Trace;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryAssembly;
import org.junit.jupiter.api.Test;

import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The matrix of the bench's 1,000-pod cluster (nodes, hosts, hostNetwork pods, pods without an IP,
 * NodePort, LoadBalancer, headless and ExternalName services) on three ports: three million cells in
 * seconds, computed three times (the times are printed), and a seeded random sample of cells each
 * traced on its own and compared.
 */
class MatrixScaleTest {
    private static final int SAMPLE = 3_000;

    @Test
    void aThousandPodClusterOnThreePortsInSecondsAndASampleOfCellsIsWhatTraceDecides() {
        SyntheticCluster cluster = SyntheticCluster.generate(ClusterShape.withUsualRatios(1000, null, null, null), 1);
        Inventory inv = InventoryAssembly.assemble(cluster.objects());
        Compilation c = new Compiler(RuleBase.packaged()).compile(inv, cluster.workspaces());
        Trace trace = Trace.of(c, inv, cluster.workspaces());
        List<Trace.Port> ports = List.of(Trace.Port.parse("tcp/80"), Trace.Port.parse("tcp/8080"), Trace.Port.parse("udp/53"));

        Matrix m = null;
        List<Long> millis = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            long start = System.nanoTime();
            m = MatrixEvaluation.evaluate(trace, Selection.of("--from", "*", inv, false), Selection.of("--to", "*", inv, true), ports);
            long evaluated = System.nanoTime();
            MatrixJson.write(m, Writer.nullWriter());
            long end = System.nanoTime();
            millis.add((end - start) / 1_000_000);
            parts.add((evaluated - start) / 1_000_000 + " + " + (end - evaluated) / 1_000_000);
        }
        long cells = m.cellCount();
        System.out.printf("matrix of %d pods, %d ports: %d cells, %d source and %d destination groups, %d traced flows;"
                        + " classes, traces, expansion and JSON in %s ms (selection, classes and traces + cells and JSON: %s)%n",
                inv.pods().size(), ports.size(), cells, m.from().size(), m.to().size(), m.traced(), millis, parts);

        assertThat(cells).isGreaterThan(3_000_000);
        assertThat(m.traced()).as("traced flows, one per port and pair of groups").isLessThan(cells / 50);
        assertThat(millis).as("ms per run (seconds expected; a bound only against a collapse of the classes)")
                .allSatisfy(ms -> assertThat(ms).isLessThan(60_000));

        // reservoir sample, seeded: every cell equally likely
        Random random = new Random(16);
        List<Matrix.Cell> sample = new ArrayList<>();
        long[] seen = {0};
        m.forEachCell(cell -> {
            long i = seen[0]++;
            if (i < SAMPLE) sample.add(cell);
            else {
                long j = (long) (random.nextDouble() * (i + 1));
                if (j < SAMPLE) sample.set((int) j, cell);
            }
        });
        List<String> disagreements = new ArrayList<>();
        for (Matrix.Cell cell : sample) {
            var traced = trace.trace(cell.from(), cell.to(), cell.port().protocol(), cell.port().port()).verdict();
            if (traced != cell.verdict()) disagreements.add(cell + " but trace says " + traced);
        }
        assertThat(disagreements).isEmpty();
        assertThat(sample.stream().map(Matrix.Cell::verdict).distinct()).as("the sample holds both verdicts").hasSize(2);
    }
}
