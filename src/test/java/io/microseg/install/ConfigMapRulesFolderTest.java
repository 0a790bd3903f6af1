package io.microseg.install;

import io.microseg.compile.RuleFiles;
import io.microseg.deploy.RulesFolderTrust;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The install mounts the rules as a ConfigMap volume and keeps {@code rules.allowSharedFolder: false}.
 * That holds only if the server's folder-trust check accepts the folder kubelet makes: a root-owned
 * folder of mode 0777 holding a timestamped directory, a {@code ..data} link to it, and one link per
 * file through {@code ..data}. It accepts it because the volume is mounted read-only, and refuses the
 * very same layout writable. Both on a real tmpfs (root only; skipped elsewhere).
 */
class ConfigMapRulesFolderTest {
    @TempDir
    Path dir;
    private Path mount;

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) run("umount", mount.toString());
    }

    @Test
    void aReadOnlyConfigMapLayoutIsTrustedAndTheSameLayoutWritableIsNot() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/self/status")).lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0")), "needs root to mount a tmpfs");
        Path rules = dir.resolve("rules");
        Files.createDirectory(rules);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=4m,mode=0777", "tmpfs", rules.toString()) == 0, "cannot mount a tmpfs here");
        mount = rules;

        // What kubelet's atomic writer leaves in a ConfigMap volume.
        Path stamp = rules.resolve("..2026_12_02_03_40_00.123456789");
        Files.createDirectory(stamp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.createSymbolicLink(rules.resolve("..data"), stamp.getFileName());
        List<String> names;
        try (var files = Files.list(Path.of("rules"))) {
            names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".drl")).sorted().toList();
        }
        for (String name : names) {
            Files.copy(Path.of("rules", name), stamp.resolve(name));
            Files.setPosixFilePermissions(stamp.resolve(name), PosixFilePermissions.fromString("rw-r--r--"));
            Files.createSymbolicLink(rules.resolve(name), Path.of("..data", name));
        }
        assertThat(Files.getPosixFilePermissions(rules)).isEqualTo(PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThat(RulesFolderTrust.problems(rules)).as("writable, the 0777 folder is refused")
                .anySatisfy(p -> assertThat(p).contains("the rules folder").contains("may be written by its group and others"));

        assertThat(run("mount", "-o", "remount,ro", rules.toString())).isZero();
        assertThat(RulesFolderTrust.problems(rules)).as("read-only, as kubelet mounts it").isEmpty();
        assertThat(RuleFiles.read(rules).digest()).isEqualTo(RuleFiles.read(Path.of("rules")).digest());
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        if (p.exitValue() != 0) System.err.println(String.join(" ", command) + ": " + out.strip());
        return p.exitValue();
    }
}
