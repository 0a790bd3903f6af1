package io.microseg.deploy;

import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whoever can write the rules folder runs code as the server: a folder, a DRL file, a directory a file
 * really lives in, or a directory above the folder that others may write or own is refused, naming the
 * path. The tests run as root, which owns everything it creates; another owner is set with chown.
 */
class RulesFolderTrustTest {
    @TempDir
    Path dir;
    private Path rules;

    @BeforeEach
    void aFolderOfTheServersOwn() {
        rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
    }

    @Test
    void aFolderAndFilesOfTheServersUserWritableByNoOneElseAreTrusted() {
        assertThat(RulesFolderTrust.problems(rules)).isEmpty();
        assertThat(RulesFolderTrust.problems(Path.of("rules"))).as("the shipped folder, in this checkout").isEmpty();
    }

    @Test
    void aGroupWritableFolderIsRefusedNamingIt() throws IOException {
        Files.setPosixFilePermissions(rules, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThat(RulesFolderTrust.problems(rules))
                .containsExactly("the rules folder " + rules.toRealPath() + " may be written by its group (mode 0775)");
    }

    @Test
    void aWorldWritableDrlFileIsRefusedNamingIt() throws IOException {
        Path file = rules.resolve("sets.drl");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--rw-"));
        assertThat(RulesFolderTrust.problems(rules))
                .containsExactly("the rules file " + file.toRealPath() + " may be written by others (mode 0646)");
    }

    @Test
    void aFileOwnedByAnotherUserIsRefused() throws IOException {
        Path file = rules.resolve("workloads.drl");
        Files.setAttribute(file, "unix:uid", 65534);
        assertThat(RulesFolderTrust.problems(rules))
                .containsExactly("the rules file " + file.toRealPath() + " is owned by uid 65534, not by the server's user (uid "
                        + RulesFolderTrust.processUid() + ") or root");
    }

    @Test
    void aWritableFolderAboveOrALinkIntoAWritableFolderIsRefused() throws IOException {
        Path shared = dir.resolve("shared");
        Files.createDirectories(shared);
        Path inside = TestFiles.copy(Path.of("rules"), shared.resolve("rules"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        String sharedProblem = "the folder " + shared.toRealPath() + ", above the rules, may be written by its group and others (mode 0777)";
        assertThat(RulesFolderTrust.problems(inside)).as("anyone may rename the folder away and put another in its place")
                .containsExactly(sharedProblem);

        Files.createSymbolicLink(rules.resolve("linked.drl"), inside.resolve("sets.drl"));
        assertThat(RulesFolderTrust.problems(rules)).as("a file linked from a folder anyone may swap").containsExactly(sharedProblem);
    }

    @Test
    void aStickyWorldWritableFolderAboveIsTrustedAsTmpIs() throws IOException {
        Path tmpLike = dir.resolve("tmp");
        Files.createDirectories(tmpLike);
        Path inside = TestFiles.copy(Path.of("rules"), tmpLike.resolve("rules"));
        Files.setAttribute(tmpLike, "unix:mode", 01777);
        assertThat(RulesFolderTrust.problems(inside)).isEmpty();
    }
}
