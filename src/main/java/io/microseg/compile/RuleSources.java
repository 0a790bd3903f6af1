package io.microseg.compile;

import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Maps DRL rule names back to their source (file, line, text), for provenance. The executable model
 * keeps no line numbers, so the DRL text is parsed again with Drools' own parser.
 */
public final class RuleSources {
    private final Map<String, RuleSource> byName;

    private RuleSources(Map<String, RuleSource> byName) {
        this.byName = Map.copyOf(byName);
    }

    public Optional<RuleSource> find(String ruleName) {
        return Optional.ofNullable(byName.get(ruleName));
    }

    /** The DRL packaged in the jar under {@code rules/}, as the build compiled it. */
    public static RuleSources packaged() {
        URL root = RuleSources.class.getClassLoader().getResource("rules/");
        if (root == null) return new RuleSources(Map.of());
        try {
            if (root.getProtocol().equals("jar")) {
                try (FileSystem fs = FileSystems.newFileSystem(root.toURI(), Map.of())) {
                    return fromFolder(fs.getPath("rules"));
                }
            }
            return fromFolder(Path.of(root.toURI()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every {@code *.drl} file of a folder, named {@code rules/<file>.drl}. */
    public static RuleSources fromFolder(Path folder) throws IOException {
        Map<String, RuleSource> rules = new HashMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".drl")).sorted().toList()) {
                String text;
                try (InputStream in = Files.newInputStream(f)) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                index("rules/" + f.getFileName(), text, rules);
            }
        }
        return new RuleSources(rules);
    }

    private static void index(String file, String text, Map<String, RuleSource> into) {
        PackageDescr pkg;
        try {
            pkg = new DrlParser().parse(false, text);
        } catch (DroolsParserException e) {
            return; // a file that does not parse was not compiled either: it has no rules to explain
        }
        if (pkg == null) return;
        List<String> lines = Arrays.asList(text.split("\n", -1));
        for (RuleDescr r : pkg.getRules()) {
            int from = Math.max(1, r.getLine());
            int to = r.getEndLine() >= from ? r.getEndLine() : from;
            String body = String.join("\n", lines.subList(from - 1, Math.min(to, lines.size())));
            into.put(r.getName(), new RuleSource(r.getName(), file, from, body));
        }
    }
}
