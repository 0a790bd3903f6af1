package io.microseg.compile;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A broken DRL edit is reported at its file, line and rule, whatever part of the rule is broken. */
class DrlBuildTest {
    @TempDir
    Path rules;

    @BeforeEach
    void copyTheRealRules() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("rules"))) {
            for (Path f : files.toList()) Files.copy(f, rules.resolve(f.getFileName()));
        }
    }

    @Test
    void theRulesAsWrittenBuildAndCarryTheirSources() {
        DrlBuild.Result r = DrlBuild.build(rules);
        assertThat(r.problems()).isEmpty();
        assertThat(r.rules().sources().find("Workloads in a workspace's scope fall back to its catch-all"))
                .hasValueSatisfying(s -> assertThat(s.file()).isEqualTo("rules/workloads.drl"));
    }

    @Test
    void aSyntaxErrorIsReportedAtItsLine() throws IOException {
        int line = edit("warnings.drl", "rule \"A policy on an ExternalName service opens nothing\"", "rul \"A policy on an ExternalName service opens nothing\"");
        assertThat(only(DrlBuild.build(rules).problems())).satisfies(p -> {
            assertThat(p.file()).isEqualTo("rules/warnings.drl");
            assertThat(p.line()).isEqualTo(line);
            assertThat(p.message()).contains("rul");
        });
    }

    @Test
    void anUnknownFactFieldIsReportedAtItsLineAndRule() throws IOException {
        int line = edit("warnings.drl", "KubeService(id == $s, type == ServiceType.ExternalName)", "KubeService(id == $s, kind == ServiceType.ExternalName)");
        assertThat(only(DrlBuild.build(rules).problems())).satisfies(p -> {
            assertThat(p.toString()).startsWith("rules/warnings.drl:" + line + ":");
            assertThat(p.rule()).isEqualTo("A policy on an ExternalName service opens nothing");
            assertThat(p.message()).contains("kind");
        });
    }

    @Test
    void aBadConsequenceIsReportedAtItsDrlLineNotInGeneratedJava() throws IOException {
        int line = edit("workloads.drl", "Direction.INGRESS, $ca, drools", "Direction.INGRESS, $ca.scopeName(), drools");
        List<DrlProblem> problems = DrlBuild.build(rules).problems();
        assertThat(problems).isNotEmpty().allSatisfy(p -> {
            assertThat(p.file()).isEqualTo("rules/workloads.drl");
            assertThat(p.rule()).isEqualTo("Workloads in a workspace's scope fall back to its catch-all");
        });
        assertThat(problems.get(0).line()).isEqualTo(line);
        assertThat(problems.get(0).message()).contains("scopeName");
    }

    /** Replaces text in a copied DRL file; returns the line the replacement starts on. */
    private int edit(String file, String from, String to) throws IOException {
        Path f = rules.resolve(file);
        String text = Files.readString(f);
        int at = text.indexOf(from);
        assertThat(at).as("test fixture: %s contains %s", file, from).isNotNegative();
        Files.writeString(f, text.substring(0, at) + to + text.substring(at + from.length()));
        return (int) text.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
    }

    private static DrlProblem only(List<DrlProblem> problems) {
        assertThat(problems).hasSize(1);
        return problems.get(0);
    }
}
