package io.microseg.compile;

import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;
import org.drools.model.codegen.ExecutableModelProject;
import org.kie.api.KieBase;
import org.kie.api.KieServices;
import org.kie.api.builder.KieBuilder;
import org.kie.api.builder.KieFileSystem;
import org.kie.api.builder.Message;
import org.kie.api.builder.ReleaseId;
import org.kie.api.builder.model.KieModuleModel;
import org.kie.api.conf.EqualityBehaviorOption;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds DRL from a folder into the executable model, as the Maven build does, and reports errors
 * at the DRL line they belong to. The executable model reports most type errors with
 * {@code line=-1}; the offending expression is then searched for in the rule text.
 */
public final class DrlBuild {
    /** What an error quotes from the DRL: an expression, an undefined method or an unresolved name. */
    private static final List<Pattern> FRAGMENTS = List.of(
            Pattern.compile("(?:expression|Expression):?\\s*(.+?)\\s*$"),
            Pattern.compile("The method (\\w+\\()"),
            Pattern.compile("(\\w+) cannot be resolved"),
            Pattern.compile("[Uu]nknown (?:field|property) (\\w+)"),
            Pattern.compile("\"([^\"]+)\""));
    private static final Pattern RULE_NAME = Pattern.compile("[Rr]ule(?: name)?[: ]+\"?([^\"\\n]+?)\"?(?:[,;.:]|$)");

    private DrlBuild() {}

    /**
     * The outcome: a rule base when there are no problems, else the problems; {@code notAllowed} when
     * they are the code check's refusals ({@link DrlCodeCheck}), in which case nothing was compiled.
     */
    public record Result(RuleBase rules, List<DrlProblem> problems, boolean notAllowed) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /** Reads the folder's {@code *.drl} files and builds them. */
    public static Result build(Path folder) {
        try {
            return build(RuleFiles.read(folder));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the rules folder " + folder + ": " + e, e);
        }
    }

    /**
     * Checks the DRL against the allow-list and, if it passes, compiles it into the executable model.
     * DRL the check refuses is never compiled: compiling it is already running a compiler on it.
     */
    public static Result build(RuleFiles files) {
        List<DrlProblem> refused = DrlCodeCheck.check(files);
        if (!refused.isEmpty()) return new Result(null, refused, true);
        Map<String, String> sources = files.files();
        KieServices ks = KieServices.get();
        KieFileSystem kfs = ks.newKieFileSystem();
        ReleaseId id = ks.newReleaseId("io.microseg", "rules-" + System.nanoTime(), "1.0.0");
        kfs.generateAndWritePomXML(id);
        KieModuleModel module = ks.newKieModuleModel();
        module.newKieBaseModel("microseg").addPackage("*").setEqualsBehavior(EqualityBehaviorOption.EQUALITY).setDefault(true);
        kfs.writeKModuleXML(module.toXML());
        sources.forEach((file, text) -> kfs.write("src/main/resources/" + file, text));

        KieBuilder builder = ks.newKieBuilder(kfs).buildAll(ExecutableModelProject.class);
        List<Message> errors = builder.getResults().getMessages(Message.Level.ERROR);
        List<DrlProblem> problems = new ArrayList<>();
        for (Message m : errors) {
            // follow-on messages that repeat an error already reported (generated code, a null package)
            boolean echo = m.getText().startsWith("Java source of") || m.getText().startsWith("Parser returned a null Package");
            if (echo && errors.size() > 1) continue;
            problems.add(locate(m, sources));
        }
        if (!problems.isEmpty()) return new Result(null, List.copyOf(problems), false);
        KieBase base = ks.newKieContainer(id).getKieBase("microseg");
        return new Result(new RuleBase(base, RuleSources.of(files)), List.of(), false);
    }

    static DrlProblem locate(Message m, Map<String, String> sources) {
        String path = m.getPath() == null ? "" : m.getPath().replaceFirst("^src/main/resources/", "");
        String message = m.getText().replaceAll("\\s+", " ").trim();
        if (sources.containsKey(path) && m.getLine() > 0) {
            // a file with a syntax error does not parse into rules: find the rule by its header line
            return new DrlProblem(path, m.getLine(), Math.max(m.getColumn(), 0) + 1,
                    ruleHeaderAbove(sources.get(path), m.getLine()), message);
        }
        // Executable-model errors come at line -1 or in generated Java (a consequence): search the
        // DRL for what the message quotes, in the file it names first, then in every file.
        List<String> files = new ArrayList<>();
        if (sources.containsKey(path)) files.add(path);
        sources.keySet().stream().filter(f -> !f.equals(path)).forEach(files::add);
        for (String file : files) {
            List<RuleDescr> rules = rulesOf(sources.get(file));
            int[] at = find(sources.get(file), message, rules);
            if (at[0] > 0) return new DrlProblem(file, at[0], at[1] + 1, ruleAt(rules, at[0]), plain(message));
        }
        return new DrlProblem(sources.containsKey(path) ? path : "rules/?", 1, 1, null, plain(message));
    }

    /** Drops generated-code noise so the message reads in the DRL's terms. */
    private static String plain(String message) {
        return message.replaceAll("for the type (\\w+)", "on the fact $1");
    }

    /** Finds the line and column of the expression an executable-model message quotes; else of the rule it names. */
    private static int[] find(String text, String message, List<RuleDescr> rules) {
        String[] lines = text.split("\n", -1);
        for (Pattern p : FRAGMENTS) {
            Matcher expr = p.matcher(message);
            if (!expr.find()) continue;
            String fragment = expr.group(1).replaceAll("[\\]\\[:;,.]+$", "").trim();
            for (String candidate : new String[]{fragment, fragment.split("\\s+")[0]}) {
                if (candidate.length() < 2) continue;
                for (int i = 0; i < lines.length; i++) {
                    int col = lines[i].indexOf(candidate);
                    if (col >= 0) return new int[]{i + 1, col};
                }
            }
        }
        Matcher rule = RULE_NAME.matcher(message);
        while (rule.find()) {
            for (RuleDescr r : rules) {
                if (r.getName().equals(rule.group(1).trim())) return new int[]{r.getLine(), 0};
            }
        }
        return new int[]{0, 0};
    }

    private static List<RuleDescr> rulesOf(String text) {
        try {
            PackageDescr pkg = new DrlParser().parse(false, text);
            return pkg == null ? List.of() : pkg.getRules();
        } catch (DroolsParserException e) {
            return List.of();
        }
    }

    private static final Pattern RULE_HEADER = Pattern.compile("^\\s*rule\\s+\"([^\"]+)\"");

    /** The name of the last {@code rule "..."} header at or above {@code line}, or null. */
    private static String ruleHeaderAbove(String text, int line) {
        String[] lines = text.split("\n", -1);
        for (int i = Math.min(line, lines.length) - 1; i >= 0; i--) {
            Matcher m = RULE_HEADER.matcher(lines[i]);
            if (m.find()) return m.group(1);
            if (lines[i].strip().equals("end") && i < line - 1) return null;
        }
        return null;
    }

    private static String ruleAt(List<RuleDescr> rules, int line) {
        for (RuleDescr r : rules) {
            if (line >= r.getLine() && line <= Math.max(r.getEndLine(), r.getLine())) return r.getName();
        }
        return null;
    }
}
