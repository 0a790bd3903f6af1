package io.microseg.compile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DRL is code that runs as the server: the check refuses, before anything is compiled, every class
 * outside the rules' vocabulary, reflection, and the DRL constructs that bring in arbitrary Java, each
 * at its file, line and column. Without the check each of these DRL files compiles (or at least reaches
 * the Java compiler), and a consequence that runs executes as the server's user.
 */
class DrlCodeCheckTest {
    private static final String HEADER = """
            package rules;

            import io.microseg.facts.*;

            rule "Every node is a member of its cluster's node set"
            when
                Workload(kind == WorkloadKind.NODE, $node : id, $cluster : cluster)
            then
            """;
    /** The consequence line under test is line 9 of the file, indented by four: column 5. */
    private static final int LINE = 9;

    @TempDir
    Path dir;

    @Test
    void theShippedRulesPass() throws IOException {
        assertThat(DrlCodeCheck.check(RuleFiles.read(Path.of("rules")))).isEmpty();
    }

    @Test
    void runtimeExecInAConsequenceIsRefusedAtItsFileLineAndColumnAndNothingIsCompiled() {
        List<DrlProblem> problems = DrlCodeCheck.check("rules/evil.drl", rule("    Runtime.getRuntime().exec(\"touch /tmp/pwned\");"));
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).toString()).startsWith("rules/evil.drl:9:5: rule \"Every node is a member of its cluster's node set\": "
                + "Runtime is refused: it runs programs as the server; expected a class of io.microseg.facts");

        DrlBuild.Result built = DrlBuild.build(new RuleFiles(new TreeMap<>(java.util.Map.of("rules/evil.drl",
                rule("    Runtime.getRuntime().exec(\"touch /tmp/pwned\");")))));
        assertThat(built.ok()).isFalse();
        assertThat(built.notAllowed()).isTrue();
        assertThat(built.problems()).extracting(DrlProblem::toString).first().asString().startsWith("rules/evil.drl:9:5:");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "    new ProcessBuilder(\"sh\", \"-c\", \"id\").start();                   | 9 | 9  | ProcessBuilder is refused: it runs programs",
            "    new java.lang.ProcessBuilder(\"id\").start();                          | 9 | 9  | java.lang.ProcessBuilder is refused: it runs programs",
            "    java.lang.Runtime.getRuntime().exec(\"id\");                           | 9 | 5  | java.lang.Runtime is refused: it runs programs",
            "    System.exit(1);                                                      | 9 | 5  | System is refused: it exits the server",
            "    String secret = System.getenv(\"TOKEN\");                              | 9 | 21 | System is refused",
            "    Class.forName(\"x.Y\");                                                | 9 | 5  | Class is refused: reflection",
            "    String s = $node.getClass().getName();                               | 9 | 22 | getClass is refused: reflection",
            "    String s = String.class.getName();                                   | 9 | 23 | .class is refused: a class literal",
            "    Object o = java.lang.invoke.MethodHandles.lookup();                  | 9 | 16 | java.lang.invoke.MethodHandles is refused: method handles",
            "    ClassLoader.getSystemClassLoader();                                  | 9 | 5  | ClassLoader is refused: it loads classes",
            "    new Thread(() -> {}).start();                                        | 9 | 9  | Thread is refused: it starts threads",
            "    java.util.concurrent.Executors.newSingleThreadExecutor();            | 9 | 5  | java.util.concurrent.Executors is refused: it starts threads",
            "    new java.io.FileWriter(\"/etc/passwd\");                               | 9 | 9  | java.io.FileWriter is refused: it reads and writes files",
            "    java.nio.file.Files.delete(null);                                    | 9 | 5  | java.nio.file.Files is refused: it reads and writes files",
            "    new java.net.Socket(\"attacker.example\", 443);                        | 9 | 9  | java.net.Socket is refused: it opens network connections",
            "    Integer.getInteger(\"x\");                                             | 9 | 13 | getInteger is refused: it reads the server's properties",
            "    drools.getKieRuntime().halt();                                       | 9 | 5  | drools.getKieRuntime is refused: drools gives the rules the session",
            "    Runtime.getRuntime().\\u0065xec(\"id\");                               | 9 | 26 | a Unicode escape",
            "    String s = \"\\u0022; System.exit(1); //\";                            | 9 | 17 | a Unicode escape",
    })
    void classesAndMembersOutsideTheVocabularyAreRefusedAtTheirColumn(String consequence, int line, int column, String message) {
        List<DrlProblem> problems = DrlCodeCheck.check("rules/evil.drl", rule("    " + consequence.strip()));
        assertThat(problems).as("refusals of %s", consequence).isNotEmpty();
        DrlProblem p = problems.get(0);
        assertThat(p.file()).isEqualTo("rules/evil.drl");
        assertThat(p.line()).isEqualTo(line);
        assertThat(p.column()).isEqualTo(column);
        assertThat(p.message()).startsWith(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "import java.io.File;                   | import java.io.File is refused: it reads and writes files",
            "import java.lang.reflect.Method;       | import java.lang.reflect.Method is refused: reflection",
            "import java.util.*;                    | import java.util.* is refused: import each class by name",
            "import java.util.Timer;                | import java.util.Timer is refused: it starts threads",
            "import static java.lang.System.exit;   | import static is refused: it brings a Java method into the rules",
            "import function java.lang.System.exit; | function is refused",
            "import org.slf4j.LoggerFactory;        | import org.slf4j.LoggerFactory is refused: it is not in the rules' vocabulary",
            "import io.microseg.auth.StaticTokens;  | import io.microseg.auth.StaticTokens is refused",
    })
    void importsOutsideTheVocabularyAreRefusedAtTheirLine(String importLine, String message) {
        String text = "package rules;\n\n" + importLine.strip() + "\n";
        List<DrlProblem> problems = DrlCodeCheck.check("rules/evil.drl", text);
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).line()).isEqualTo(3);
        assertThat(problems.get(0).column()).isEqualTo(8);
        assertThat(problems.get(0).message()).startsWith(message);
    }

    @Test
    void functionGlobalAndDeclareAreRefusedSayingWhy() {
        String text = """
                package rules;

                global java.util.List sink;

                function void boom() {
                    Runtime.getRuntime().halt(1);
                }

                declare Evil
                    name : String
                end
                """;
        List<DrlProblem> problems = DrlCodeCheck.check("rules/evil.drl", text);
        assertThat(problems).extracting(p -> p.line() + ":" + p.column()).containsExactly("3:1", "5:1", "6:5", "9:1");
        assertThat(problems.get(0).message()).startsWith("global is refused: a global hands the rules an object from outside the facts");
        assertThat(problems.get(1).message()).startsWith("function is refused: a DRL function is a Java method outside any rule and may run any code");
        assertThat(problems.get(3).message()).startsWith("declare is refused: declare defines new classes in DRL");
    }

    @Test
    void anotherDialectAPackageOfTheServerAndATextBlockAreRefused() {
        assertThat(DrlCodeCheck.check("rules/a.drl", "package rules;\nrule \"x\" dialect \"mvel\" when then end\n"))
                .extracting(DrlProblem::message).first().asString().startsWith("dialect \"mvel\" is refused");
        assertThat(DrlCodeCheck.check("rules/a.drl", "package io.microseg.server;\n"))
                .extracting(DrlProblem::message).first().asString().startsWith("package io.microseg.server is refused");
        assertThat(DrlCodeCheck.check("rules/a.drl", rule("    String s = \"\"\"\n    x\"\"\";")))
                .extracting(DrlProblem::message).first().asString().startsWith("a text block");
    }

    @Test
    void commentsAndStringsAreNotCodeButCodeAfterThemIs() {
        String quiet = rule("""
                    // Runtime.getRuntime().exec("x") is what this rule must never do
                    /* System.exit(1); */
                    String s = "System.exit(1); Runtime.getRuntime()";
                    insertLogical(new SetMember(Sets.nodes($cluster), s + drools.getRule().getName()));
                """);
        assertThat(DrlCodeCheck.check("rules/ok.drl", quiet)).isEmpty();

        String split = rule("""
                    java /* a comment between the parts */ . lang
                        . Runtime.getRuntime();
                """);
        assertThat(DrlCodeCheck.check("rules/evil.drl", split)).extracting(p -> p.line() + ":" + p.column()).containsExactly("9:5");
    }

    @Test
    void theVocabularyIsAllowedImportedOrNamedInFull() {
        String text = """
                package rules;

                import io.microseg.facts.Workload;
                import io.microseg.facts.ServiceAddress.Role;
                import io.microseg.inventory.ServiceType;
                import java.util.List;
                import java.util.Map;

                rule "Allowed"
                when
                    Workload($id : id)
                then
                    List<String> l = new java.util.ArrayList<>();
                    Map.Entry<String, Integer> e = null;
                    l.add(String.valueOf(Math.max(1, Integer.parseInt("2"))) + Role.CLUSTER_IP + ServiceType.NodePort);
                    io.microseg.facts.Sets.nodes($id);
                    int[] n = new int[2];
                end
                """;
        assertThat(DrlCodeCheck.check("rules/ok.drl", text)).isEmpty();
    }

    @Test
    void checkRulesRefusesAnEvilFileInAFolderOfGoodOnes() throws IOException {
        Path rules = io.microseg.testing.TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        Files.writeString(rules.resolve("evil.drl"), rule("    Runtime.getRuntime().exec(\"id\");"));
        DrlBuild.Result built = DrlBuild.build(rules);
        assertThat(built.notAllowed()).isTrue();
        assertThat(built.problems()).extracting(p -> p.file() + ":" + p.line() + ":" + p.column()).containsExactly("rules/evil.drl:9:5");
    }

    /** A file whose one rule's consequence is {@code consequence}, starting on line 9. */
    private static String rule(String consequence) {
        String text = HEADER + consequence + (consequence.endsWith("\n") ? "" : "\n") + "end\n";
        assertThat(text.split("\n", -1)[LINE - 1]).as("fixture").isEqualTo(consequence.split("\n")[0]);
        return text;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"InScope, AppliedTo.scope", "Selected, AppliedTo.selected", "Backend, TargetPort"})
    void aPatternOnAFactKeptBesideTheSessionIsRefusedWhereItIsWritten(String type, String instead) {
        String drl = """
                package rules;

                import io.microseg.facts.*;

                rule "Deny the scope's pods from the outside"
                when
                    $p : PolicyPort()
                    %s(%s)
                then
                    insertLogical(new Warning("never", $p.policy(), "never"));
                end
                """.formatted(type, type.equals("Backend") ? "$ip : ip" : "$i : item");
        List<DrlProblem> problems = DrlCodeCheck.check("rules/kept.drl", drl);
        assertThat(problems).extracting(DrlProblem::toString).containsExactly("rules/kept.drl:8:5: rule \"Deny the scope's pods from the outside\": "
                + type + " is not a fact of the session, so this pattern would never match: "
                + ObjectFacts.KEPT_BESIDE_SESSION.entrySet().stream().filter(e -> e.getKey().getSimpleName().equals(type)).findFirst().orElseThrow().getValue());
        assertThat(problems.get(0).message()).contains(instead);
        // the same names outside a rule's conditions are not patterns: a consequence may make such a fact
        assertThat(DrlCodeCheck.check("rules/kept.drl", drl.replace("    " + type + "(", "    Workload(").replace("never\"));", "never\")); new " + type + "();"))).isEmpty();
    }
}
