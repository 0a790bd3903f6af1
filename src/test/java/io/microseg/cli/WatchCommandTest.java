package io.microseg.cli;

import io.microseg.testing.Await;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class WatchCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsTheInitialRulesThenEveryChangeWithItsVersionUntilStopped() throws Exception {
        Path inventory = TestFiles.copy(Path.of("config/demo/inventory"), dir.resolve("inventory"));
        Path policies = TestFiles.copy(Path.of("config/demo/policies"), dir.resolve("policies"));
        WatchCommand watch = new WatchCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        watch.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        AtomicInteger exit = new AtomicInteger(-1);
        Thread running = new Thread(() -> exit.set(new CommandLine(watch)
                .execute("--inventory", inventory.toString(), "--policies", policies.toString())));
        running.start();
        try {
            Await.until("the initial state compiled", Duration.ofSeconds(60), () -> watch.ready.getCount() == 0);
            assertThat(text(out))
                    .startsWith("watching inventory [" + inventory + "] and policies [" + policies + "] (Ctrl-C to stop)\n")
                    .contains("version 1: ")
                    .contains("  v1 + rule pod/demo/web/web-prod-0 EGRESS ALLOW TCP 30017 to nodes:demo  [demo/production-to-db DEFAULT 100]\n")
                    .contains("  v1 + member nodes:demo ");

            TestFiles.edit(inventory.resolve("web.yaml"), "    environment: production", "    environment: development");

            Await.until("the relabel printed", () -> text(out).contains("version 2: "));
            String v2 = text(out).substring(text(out).indexOf("version 2: "));
            assertThat(v2).startsWith("version 2: 2 rules removed, ")
                    .contains("  v2 - rule pod/demo/web/web-prod-0 EGRESS ALLOW TCP 30017 to nodes:demo  [demo/production-to-db DEFAULT 100]\n")
                    .contains("  v2 - rule pod/demo/web/web-prod-0 EGRESS ALLOW TCP 27017 to clusterip:demo/data/db")
                    .containsPattern("  v2 - member \\S+ 10\\.244\\.1\\.20  \\(workloads matching: ");
        } finally {
            watch.stop.countDown();
            running.join(10_000);
        }
        assertThat(running.isAlive()).isFalse();
        assertThat(exit.get()).isZero();
    }

    @Test
    void kubernetesSourcesAreNamedAsNotReadYet() throws Exception {
        Path config = Files.writeString(dir.resolve("microseg.yaml"), """
                inventory:
                  folders: [config/demo/inventory]
                  kubernetes: [{cluster: prod}]
                policies: {folders: [config/demo/policies]}
                """);
        WatchCommand watch = new WatchCommand();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        watch.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        watch.out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        watch.stop.countDown(); // stops as soon as the initial state is compiled
        int exit = new CommandLine(watch).execute("--config", config.toString());
        assertThat(exit).isZero();
        assertThat(text(err)).contains("inventory.kubernetes lists prod").contains("not read");
    }

    @Test
    void aMissingOrBadConfigurationIsBadInput() throws Exception {
        assertThat(run("watch", "--config", dir.resolve("none.yaml").toString()))
                .isEqualTo(new Result(2, "error: " + dir.resolve("none.yaml") + ": cannot read the configuration file: "
                        + "java.nio.file.NoSuchFileException: " + dir.resolve("none.yaml") + "\n"));

        Path bad = Files.writeString(dir.resolve("bad.yaml"), "inventory:\n  folder: [x]\n");
        Result r = run("watch", "--config", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("bad.yaml:2: field inventory.folder: expected only folders and kubernetes");

        Path empty = Files.writeString(dir.resolve("empty.yaml"), "inventory: {folders: []}\n");
        assertThat(run("watch", "--config", empty.toString()).err()).contains("expected at least one inventory or policy folder");

        assertThat(run("watch", "--inventory", dir.resolve("nope").toString(), "--policies", "config/demo/policies").err())
                .contains("nope").contains("expected a folder of YAML files to watch");
    }

    private static String text(ByteArrayOutputStream out) {
        return out.toString(StandardCharsets.UTF_8);
    }

    record Result(int exit, String err) {}

    private static Result run(String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.run(args);
            return new Result(exit, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }
}
