package io.microseg.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** What serve refuses before it starts anything, and hash-token. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void noAuthenticationIsRefusedOffLoopback() {
        Result r = run("serve", "--listen", "0.0.0.0:0", "--insecure-no-auth");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("error: --insecure-no-auth: refusing to serve without authentication on 0.0.0.0:0, "
                + "which is not a loopback address").doesNotContain("\tat ");
        assertThat(run("serve", "--listen", "192.0.2.1:8080", "--insecure-no-auth").exit()).isEqualTo(2);
        // the demo configuration says insecureNoAuth on loopback: moving it elsewhere is refused too
        Result moved = run("serve", "--listen", "0.0.0.0:8080");
        assertThat(moved.exit()).isEqualTo(2);
        assertThat(moved.err()).contains("config/microseg.yaml").contains("not a loopback address");
    }

    @Test
    void aConfigurationWithoutAuthenticationIsRefused() throws Exception {
        Path config = Files.writeString(dir.resolve("microseg.yaml"), "inventory: {folders: [config/demo/inventory]}\n");
        Result r = run("serve", "--config", config.toString(), "--listen", "127.0.0.1:0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("field server.auth: expected agent or operator tokens");
        assertThat(run("serve", "--listen", "localhost").err()).contains("expected HOST:PORT such as 127.0.0.1:8080");
        assertThat(run("serve", "--inventory", "config/demo/inventory", "--policies", "config/demo/policies").err())
                .isEqualTo("error: serve: expected --config FILE with tokens in server.auth, or --insecure-no-auth on a loopback address, found neither\n");
    }

    @Test
    void hashTokenPrintsTheLineForTheConfiguration() {
        Result r = run("hash-token", "abc");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");

        InputStream stdin = System.in;
        System.setIn(new ByteArrayInputStream("abc\n".getBytes(StandardCharsets.UTF_8)));
        try {
            assertThat(run("hash-token").out()).isEqualTo(r.out());
        } finally {
            System.setIn(stdin);
        }

        Result generated = run("hash-token", "--generate");
        assertThat(generated.out()).matches("token: [0-9a-f]{64}\ntokenHash: \"sha256:[0-9a-f]{64}\"\n");
        String token = generated.out().substring("token: ".length(), "token: ".length() + 64);
        assertThat(generated.out()).contains(run("hash-token", token).out().trim());
    }

    record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.run(args);
            return new Result(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
