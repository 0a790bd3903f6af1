package io.microseg.cli;

import io.microseg.testing.Await;
import io.microseg.testing.LogCapture;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** What serve refuses before it starts anything, and hash-token. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void noAuthenticationIsRefusedOffLoopback() {
        CliRun r = run("serve", "--listen", "0.0.0.0:0", "--insecure-no-auth");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: --insecure-no-auth: refusing to serve without authentication on 0.0.0.0:0, "
                + "which is not a loopback address").doesNotContain("\tat ");
        assertThat(run("serve", "--listen", "192.0.2.1:8080", "--insecure-no-auth").exit()).isEqualTo(2);
        // the demo configuration says insecureNoAuth on loopback: moving it elsewhere is refused too
        CliRun moved = run("serve", "--listen", "0.0.0.0:8080");
        assertThat(moved.exit()).isEqualTo(2);
        assertThat(moved.err()).contains("config/microseg.yaml").contains("not a loopback address");
    }

    @Test
    void aConfigurationWithoutAuthenticationIsRefused() throws Exception {
        Path config = Files.writeString(dir.resolve("microseg.yaml"), "inventory: {folders: [config/demo/inventory]}\n");
        CliRun r = run("serve", "--config", config.toString(), "--listen", "127.0.0.1:0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("field server.auth: expected agent or operator tokens");
        assertThat(run("serve", "--listen", "localhost").err()).contains("expected HOST:PORT such as 127.0.0.1:8080");
        assertThat(run("serve", "--inventory", "config/demo/inventory", "--policies", "config/demo/policies").err())
                .isEqualTo("error: serve: expected --config FILE with tokens in server.auth, or --insecure-no-auth on a loopback address, found neither\n");
    }

    @Test
    void aRulesFolderOthersMayWriteIsRefusedNamingItUnlessAllowedExplicitly() throws Exception {
        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rwxrwxr-x"));
        CliRun group = run("serve", "--listen", "127.0.0.1:0", "--insecure-no-auth", "--rules", rules.toString());
        assertThat(group.exit()).isEqualTo(2);
        assertThat(group.err()).startsWith("error: " + rules + ": refusing to serve rules others may change: the rules folder "
                + rules.toRealPath() + " may be written by its group (mode 0775). Whoever can write DRL runs code as the server")
                .contains("--allow-shared-rules-folder").doesNotContain("\tat ");

        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(rules.resolve("sets.drl"), PosixFilePermissions.fromString("rw-r--rw-"));
        CliRun other = run("serve", "--listen", "127.0.0.1:0", "--insecure-no-auth", "--rules", rules.toString());
        assertThat(other.exit()).isEqualTo(2);
        assertThat(other.err()).contains("the rules file " + rules.resolve("sets.drl").toRealPath() + " may be written by others (mode 0646)");

        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rwxrwxrwx"));
        // with the folder allowed, its content is still checked: DRL that runs a program is refused at start too
        TestFiles.write(rules.resolve("evil.drl"), "package rules;\nimport java.io.File;\n");
        ServeCommand serve = new ServeCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        serve.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        AtomicInteger exit = new AtomicInteger(-1);
        java.io.StringWriter errors = new java.io.StringWriter();
        Thread running = new Thread(() -> exit.set(new CommandLine(serve).setErr(new java.io.PrintWriter(errors, true)).execute("--listen", "127.0.0.1:0", "--insecure-no-auth",
                "--rules", rules.toString(), "--allow-shared-rules-folder")));
        try (LogCapture err = new LogCapture()) {
            running.start();
            try {
                Await.until("serving", Duration.ofSeconds(120), () -> {
                    if (exit.get() >= 0) throw new AssertionError("serve ended with " + exit.get() + ": " + errors + out.toString(StandardCharsets.UTF_8));
                    return out.toString(StandardCharsets.UTF_8).contains("ready at version");
                });
            } finally {
                serve.stop.countDown();
                running.join(20_000);
            }
            assertThat(err.text()).contains("DRL refused: rules/evil.drl:2:8: import java.io.File is refused: it reads and writes files")
                    .contains("1 refusal(s) by the code check in " + rules + ": serving the rules packaged in the jar until " + rules
                            + " holds a complete rule set");
        }
        assertThat(exit.get()).isZero();
    }

    @Test
    void hashTokenPrintsTheLineForTheConfiguration() {
        CliRun r = run("hash-token", "abc");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");

        InputStream stdin = System.in;
        System.setIn(new ByteArrayInputStream("abc\n".getBytes(StandardCharsets.UTF_8)));
        try {
            assertThat(run("hash-token").out()).isEqualTo(r.out());
        } finally {
            System.setIn(stdin);
        }

        CliRun generated = run("hash-token", "--generate");
        assertThat(generated.out()).matches("token: [0-9a-f]{64}\ntokenHash: \"sha256:[0-9a-f]{64}\"\n");
        String token = generated.out().substring("token: ".length(), "token: ".length() + 64);
        assertThat(generated.out()).contains(run("hash-token", token).out().trim());
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
