package io.microseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.bench.ClusterShape;
import io.microseg.bench.SyntheticCluster;
import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.inventory.InventoryAssembly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 6,000-pod {@code kubectl get -o yaml} List in one file, as the packaged jar reads it with a
 * bounded heap: SnakeYAML's default refused anything over 3 MiB, and a reader holding the text or
 * the whole tree would not fit.
 */
class LargeDumpIT {
    private static final int PODS = 6000;

    @TempDir
    Path dir;

    private static PackagedJarIT.Run java(List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-jar", "target/microseg.jar"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("microseg", ".out");
        Path err = Files.createTempFile("microseg", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(600, TimeUnit.SECONDS)).as("microseg finished").isTrue();
        PackagedJarIT.Run run = new PackagedJarIT.Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return run;
    }

    @Test
    void aSixThousandPodDumpInOneFileCompilesInABoundedHeapToTheRulesOfTheClusterItDescribes() throws Exception {
        PackagedJarIT.Run dump = java(List.of(), "bench-dump", "--pods", Integer.toString(PODS), "--seed", "1", "--out", dir.toString());
        assertThat(dump.exit()).as(dump.err()).isZero();
        Path file = dir.resolve("inventory/kubectl-get.yaml");
        assertThat(Files.size(file)).isGreaterThan(20L * 1024 * 1024);
        assertThat(Files.readString(dir.resolve("inventory/kubectl-get.yaml")).lines().filter(l -> l.equals("  kind: Pod")).count())
                .isEqualTo(PODS);

        PackagedJarIT.Run run = java(List.of("-Xmx384m"), "compile", "--format", "json",
                "--inventory", dir.resolve("inventory").toString(), "--policies", dir.resolve("policies").toString());
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());

        // The same cluster compiled from memory, as the bench builds it: the file meant exactly that.
        SyntheticCluster cluster = SyntheticCluster.generate(ClusterShape.mixed(PODS, PODS / 30, PODS / 15, PODS / 75), 1);
        Compilation expected = new Compiler(RuleBase.packaged()).compile(InventoryAssembly.assemble(cluster.objects()), cluster.workspaces());
        assertThat(json.get("rules").size()).isEqualTo(expected.rules().size()).isGreaterThan(PODS);
        assertThat(json.get("sets").size()).isEqualTo(expected.sets().size());
        List<String> warnings = new ArrayList<>();
        json.get("warnings").forEach(w -> warnings.add(w.get("policy").asText() + ": " + w.get("message").asText()));
        assertThat(warnings).anyMatch(w -> w.startsWith("inventory: " + file + ": skipped ") && w.contains(" Deployment (apps/v1), "));
    }
}
