package io.microseg.compile;

import io.microseg.controlplane.RuleSource;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps DRL rule names back to their source (file, line, text), for provenance. The executable model
 * keeps no line numbers, so the DRL text is parsed again with Drools' own parser.
 */
public final class RuleSources {
    private final Map<String, RuleSource> byName;
    private final String digest;

    private RuleSources(Map<String, RuleSource> byName, String digest) {
        this.byName = Map.copyOf(byName);
        this.digest = digest;
    }

    public Optional<RuleSource> find(String ruleName) {
        return Optional.ofNullable(byName.get(ruleName));
    }

    /** The content digest of the DRL these rules were built from ({@link RuleFiles#digest()}). */
    public String digest() {
        return digest;
    }

    /** The DRL packaged in the jar under {@code rules/}, as the build compiled it. */
    public static RuleSources packaged() {
        return of(RuleFiles.packaged());
    }

    /** Every {@code *.drl} file of a folder, named {@code rules/<file>.drl}. */
    public static RuleSources fromFolder(Path folder) throws IOException {
        return of(RuleFiles.read(folder));
    }

    public static RuleSources of(RuleFiles files) {
        Map<String, RuleSource> rules = new HashMap<>();
        files.files().forEach((file, text) -> index(file, text, rules));
        return new RuleSources(rules, files.digest());
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
