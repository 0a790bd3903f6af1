package io.microseg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class BenchDumpCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesADumpThatCompileReads() {
        CliRun dump = CliRun.of("bench-dump", "--pods", "120", "--json", "--out", dir.toString());
        assertThat(dump.exit()).as(dump.err()).isZero();
        assertThat(dump.out()).startsWith("wrote " + dir.resolve("inventory/kubectl-get.json"));
        assertThat(Files.exists(dir.resolve("inventory/cluster.yaml"))).isTrue();
        assertThat(Files.exists(dir.resolve("policies/workspaces.yaml"))).isTrue();

        CliRun compile = CliRun.of("compile", "--inventory", dir.resolve("inventory").toString(),
                "--policies", dir.resolve("policies").toString());
        assertThat(compile.exit()).as(compile.err()).isZero();
        assertThat(compile.out()).contains("pod/prod/").contains("skipped").contains("Deployment (apps/v1)");
    }
}
