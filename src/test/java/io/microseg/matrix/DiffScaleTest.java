package io.microseg.matrix;

import io.microseg.bench.ClusterShape;
import io.microseg.bench.SyntheticCluster;
import io.microseg.compile.RuleBase;
import io.microseg.explain.Trace;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryAssembly;
import io.microseg.policy.Policy;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.Test;

import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The diff of the bench's 1,000-pod cluster against itself with one ALLOW policy removed, on every
 * port a policy or service names, computed three times (the times are printed), and a seeded random
 * sample of the flips each traced on its own on both sides and compared, deciders included.
 */
class DiffScaleTest {
    private static final int SAMPLE = 500;

    @Test
    void aThousandPodClusterWithOnePolicyRemovedAndASampleOfFlipsIsWhatTraceDecides() {
        SyntheticCluster cluster = SyntheticCluster.generate(ClusterShape.withUsualRatios(1000, null, null, null), 1);
        Inventory inv = InventoryAssembly.assemble(cluster.objects());
        RuleBase rules = RuleBase.packaged();
        List<Workspace> before = cluster.workspaces();
        List<Workspace> after = new ArrayList<>();
        String removed = null;
        for (Workspace w : before) {
            Policy cut = removed != null ? null
                    : w.policies().stream().filter(p -> p.action() == io.microseg.policy.Action.ALLOW).findFirst().orElse(null);
            if (cut == null) {
                after.add(w);
                continue;
            }
            removed = w.name() + "/" + cut.id();
            after.add(new Workspace(w.name(), w.scope(), w.catchAllIngress(), w.catchAllEgress(),
                    w.policies().stream().filter(p -> p != cut).toList(), w.source()));
        }
        DiffEvaluation.Side b = DiffTest.side(inv, before, rules);
        DiffEvaluation.Side a = DiffTest.side(inv, after, rules);
        List<Trace.Port> ports = DiffEvaluation.portsNamed(b, a);

        Diff d = null;
        List<Long> millis = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            long start = System.nanoTime();
            d = DiffEvaluation.evaluate(b, a, "*", "*", ports);
            DiffJson.write(d, Writer.nullWriter());
            millis.add((System.nanoTime() - start) / 1_000_000);
        }
        long flows = (long) d.from().stream().mapToInt(g -> g.members().size()).sum()
                * d.to().stream().mapToInt(g -> g.members().size()).sum() * ports.size();
        System.out.printf("diff of %d pods without %s, %d ports (about %d flows): %d ALLOW -> DENY, %d DENY -> ALLOW; %d source and"
                        + " %d destination groups, %d flows traced per side; classes, traces and JSON in %s ms%n",
                inv.pods().size(), removed, ports.size(), flows, d.allowToDeny(), d.denyToAllow(), d.from().size(), d.to().size(),
                d.traced(), millis);

        assertThat(d.allowToDeny()).as("removing an ALLOW policy cuts flows").isPositive();
        assertThat(d.denyToAllow()).isZero();
        assertThat(millis).as("ms per run (seconds expected; a bound only against a collapse of the classes)")
                .allSatisfy(ms -> assertThat(ms).isLessThan(120_000));
        String cutPolicy = removed;
        List<Diff.Cell> all = new ArrayList<>();
        d.forEachFlip(all::add);
        assertThat(all).allSatisfy(c -> assertThat(c.flip().beforeBy().policy()).isEqualTo(cutPolicy));

        Random random = new Random(16);
        List<Diff.Cell> sample = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (i < SAMPLE) sample.add(all.get(i));
            else {
                int j = random.nextInt(i + 1);
                if (j < SAMPLE) sample.set(j, all.get(i));
            }
        }
        assertThat(DiffTest.flipsAgreeWithTrace(sample, b, a)).isEqualTo(Math.min(SAMPLE, all.size()));
    }
}
