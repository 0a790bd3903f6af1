package io.microseg.enforce;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent is built from the wire vocabulary ({@code io.microseg.controlplane}) and {@code io.microseg.net}
 * only: it must not depend on how the server compiles, stores or serves rules. Reads the sources of
 * {@code io.microseg.enforce} and its subpackages and names each file and import that reaches into the
 * server's packages (also fully qualified uses such as {@code io.microseg.compile.X.y} in code).
 */
class EnforceDependenciesTest {
    static final Path SOURCES = Path.of("src/main/java/io/microseg/enforce");
    static final List<String> FORBIDDEN = List.of("compile", "engine", "inventory", "facts", "policy", "feed", "server");
    static final Pattern USE = Pattern.compile("\\bio\\.microseg\\.(" + String.join("|", FORBIDDEN) + ")\\b[\\w.*]*");

    static List<String> violations(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.startsWith("//") || line.startsWith("*") || line.startsWith("/*")) continue;
                    Matcher m = USE.matcher(line);
                    while (m.find()) out.add(f + ":" + (i + 1) + ": " + (line.startsWith("import") ? line : m.group()));
                }
            }
        }
        return out;
    }

    @Test
    void theAgentImportsNothingOfTheServer() throws IOException {
        assertThat(Files.isDirectory(SOURCES)).as("run from the project directory: %s", SOURCES.toAbsolutePath()).isTrue();
        assertThat(violations(SOURCES)).as("io.microseg.enforce must not use io.microseg.%s", FORBIDDEN).isEmpty();
    }

    /**
     * Network namespaces are a layer below the agent's state and rendering: enforce uses netns, never the
     * other way round, so that netns can be read and tested on its own.
     */
    @Test
    void namespacesDoNotReachBackIntoTheAgent() throws IOException {
        Pattern up = Pattern.compile("\\bio\\.microseg\\.enforce\\.[A-Z]\\w*");
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES.resolve("netns"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = up.matcher(lines.get(i));
                    while (m.find()) out.add(f + ":" + (i + 1) + ": " + m.group());
                }
            }
        }
        assertThat(out).as("io.microseg.enforce.netns must not use io.microseg.enforce").isEmpty();
    }

    /** The check itself finds what it is meant to find, named by file, line and import. */
    @Test
    void aForbiddenImportIsReportedWithItsFileAndLine(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path pkg = Files.createDirectories(dir.resolve("netns"));
        Files.writeString(pkg.resolve("Bad.java"), String.join("\n",
                "package io.microseg.enforce.netns;",
                "import io.microseg.controlplane.Workload;",
                "import static io.microseg.compile.RuleBase.packaged;",
                "// io.microseg.feed in a comment is fine",
                "class Bad { Object o = io.microseg.inventory.Inventory.class; }"));
        assertThat(violations(dir)).containsExactly(
                pkg.resolve("Bad.java") + ":3: import static io.microseg.compile.RuleBase.packaged;",
                pkg.resolve("Bad.java") + ":5: io.microseg.inventory.Inventory.class");
    }
}
