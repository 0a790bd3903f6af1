package io.microseg.cli;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
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

@EnableKubernetesMockClient(crud = true, https = false)
class WatchCommandTest {
    @TempDir
    Path dir;

    /** A real HTTP API with watches, for the clusters a configuration names. */
    KubernetesClient client;

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
            // the folders' initial state comes as one or two change sets (inventory and policies may share a batch)
            String initial = text(out);
            assertThat(initial)
                    .startsWith("watching inventory [" + inventory + "] and policies [" + policies + "] (Ctrl-C to stop)\n")
                    .containsPattern("  v[12] \\+ placement pod/demo/web/web-prod-0 on node/demo/node-1 \\[10\\.244\\.1\\.\\d+\\]\n")
                    .containsPattern("  v[12] \\+ rule pod/demo/web/web-prod-0 EGRESS ALLOW TCP 30017 to nodes:demo  \\[demo/production-to-db DEFAULT 100\\]\n")
                    .containsPattern("  v[12] \\+ member nodes:demo ");
            long last = initial.contains("version 2: ") ? 2 : 1;
            long next = last + 1;

            TestFiles.edit(inventory.resolve("web.yaml"), "    environment: production", "    environment: development");

            Await.until("the relabel printed", () -> text(out).contains("version " + next + ": "));
            String changed = text(out).substring(text(out).indexOf("version " + next + ": "));
            String v = "  v" + next + " ";
            assertThat(changed).startsWith("version " + next + ": 2 rules removed, ")
                    .contains(v + "- rule pod/demo/web/web-prod-0 EGRESS ALLOW TCP 30017 to nodes:demo  [demo/production-to-db DEFAULT 100]\n")
                    .contains(v + "- rule pod/demo/web/web-prod-0 EGRESS ALLOW TCP 27017 to clusterip:demo/data/db")
                    .containsPattern(v + "- member \\S+ 10\\.244\\.1\\.20  \\(workloads matching: ");
        } finally {
            watch.stop.countDown();
            running.join(10_000);
        }
        assertThat(running.isAlive()).isFalse();
        assertThat(exit.get()).isZero();
    }

    @Test
    void readsTheClustersTheConfigurationNamesThroughTheirKubeconfig() throws Exception {
        {
            KubernetesClient api = client;
            Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), """
                    apiVersion: v1
                    kind: Config
                    current-context: mock
                    clusters: [{name: mock, cluster: {server: "%s"}}]
                    contexts: [{name: mock, context: {cluster: mock, user: tester}}]
                    users: [{name: tester, user: {token: secret}}]
                    """.formatted(api.getConfiguration().getMasterUrl()));
            Path config = Files.writeString(dir.resolve("microseg.yaml"), """
                    inventory:
                      kubernetes: [{cluster: prod, context: mock, kubeconfig: "%s"}]
                    policies: {folders: [config/demo/policies]}
                    """.formatted(kubeconfig));
            WatchCommand watch = new WatchCommand();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            watch.out = new PrintStream(out, true, StandardCharsets.UTF_8);
            Thread running = new Thread(() -> new CommandLine(watch).execute("--config", config.toString()));
            running.start();
            try {
                Await.until("the initial state compiled", Duration.ofSeconds(60), () -> watch.ready.getCount() == 0);
                assertThat(text(out)).contains("clusters prod");

                api.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata()
                        .withNewStatus().addNewAddress().withType("InternalIP").withAddress("10.9.0.1").endAddress().endStatus()
                        .build()).create();

                // the demo workspace's scope does not select cluster prod: the node shows up as a set member only
                // once a rule uses its cluster's node set; here it is enough that the engine saw the node
                Await.until("the node compiled", () -> watch.placementsSeen.contains("node/prod/n1"));
            } finally {
                watch.stop.countDown();
                running.join(10_000);
            }
        }
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
        CliRun r = CliRun.of(args);
        return new Result(r.exit(), r.err());
    }
}
