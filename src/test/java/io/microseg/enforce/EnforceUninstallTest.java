package io.microseg.enforce;

import io.microseg.cli.Main;
import io.microseg.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code enforce --uninstall} and the --netns options, through the command line, with real namespaces and nft. */
class EnforceUninstallTest {
    @Test
    void uninstallDeletesTheTablesOfTheOwnAndEveryMappedNamespaceAndNothingElse(@TempDir Path dir) throws Exception {
        Netns.assumeAvailable();
        Nft.assumeAvailable();
        try (Netns host = Netns.create("un-host"); Netns pod = Netns.create("un-pod"); Netns other = Netns.create("un-other")) {
            String table = "table inet microseg {\n  comment \"microseg host/h netns x\"\n}\n";
            host.must(table, "nft", "-f", "-");
            host.must("table ip kube-proxy {\n}\n", "nft", "-f", "-");
            pod.must(table, "nft", "-f", "-");
            other.must(table, "nft", "-f", "-");
            Path map = Files.writeString(dir.resolve("netns.yaml"), "host/h: " + host.name() + "\npod/k/ns/p: " + pod.name() + "\n");

            assertThat(Main.run("enforce", "--uninstall", "--host", "h", "--netns", map.toString())).isZero();
            assertThat(host.exec("", "nft", "list", "table", "inet", "microseg").exit()).as("gone from the own namespace").isNotZero();
            assertThat(pod.exec("", "nft", "list", "table", "inet", "microseg").exit()).as("gone from the pod's").isNotZero();
            assertThat(host.must("", "nft", "list", "tables")).as("other tables stay").contains("table ip kube-proxy");
            assertThat(other.must("", "nft", "list", "tables")).as("an unmapped namespace is not touched").contains("table inet microseg");
            assertThat(Main.run("enforce", "--uninstall", "--host", "h", "--netns", map.toString())).as("again: nothing to do").isZero();
        }
    }

    @Test
    void badNetnsOptionsAndServersAreRefusedNamingTheOption() {
        try (LogCapture err = new LogCapture()) {
            assertThat(Main.run("enforce", "--server", "http://127.0.0.1:1", "--node", "k/n", "--netns", "/no/such/file")).isEqualTo(Main.BAD_INPUT);
            assertThat(Main.run("enforce", "--server", "http://127.0.0.1:1", "--host", "h", "--proc", "/host/proc")).isEqualTo(Main.BAD_INPUT);
            assertThat(Main.run("enforce", "--node", "k/n")).isEqualTo(Main.BAD_INPUT);
            assertThat(Main.run("enforce", "--server", "http://127.0.0.1:1,http://no-such-host.invalid:8080", "--host", "h")).isEqualTo(Main.BAD_INPUT);
            assertThat(Main.run("enforce", "--server", "http://127.0.0.1:1", "--node", "k/n", "--netns-retry", "5s", "--netns-retry-max", "1s"))
                    .isEqualTo(Main.BAD_INPUT);
            assertThat(err.text()).contains(
                    "error: --netns: expected auto, none or a mapping file, found '/no/such/file' (no such file)",
                    "error: --proc: only with --netns auto, found --netns none",
                    "error: --server: expected at least one server URL",
                    "error: --server http://no-such-host.invalid:8080: cannot resolve no-such-host.invalid",
                    "error: --netns-retry-max: expected at least --netns-retry (5s), found 1s");
        }
    }
}
