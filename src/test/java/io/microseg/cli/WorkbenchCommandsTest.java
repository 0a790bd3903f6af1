package io.microseg.cli;

import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The policy experts' commands: check-rules and test, with the exit codes CI relies on. */
class WorkbenchCommandsTest {
    @TempDir
    Path dir;

    @Test
    void checkRulesPassesOnTheRulesAsWrittenAndExits2WithEachErrorAtItsLine() {
        CliRun ok = run("check-rules", "rules");
        assertThat(ok.exit()).isZero();
        assertThat(ok.out()).startsWith("rules OK: ").containsPattern("\\(sha256:[0-9a-f]{64}\\)");

        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        int line = TestFiles.lineOf(rules.resolve("sets.drl"), "ServiceAddress(role == Role.CLUSTER_IP, $svc : service");
        TestFiles.edit(rules.resolve("sets.drl"), "ServiceAddress(role == Role.CLUSTER_IP, $svc : service", "ServiceAddress(role == Role.CLUSTER_IP, $svc : serviceName");

        CliRun broken = run("check-rules", rules.toString());
        assertThat(broken.exit()).isEqualTo(2);
        assertThat(broken.err()).contains("rules/sets.drl:" + line + ":")
                .contains("rule \"A service's ClusterIPs form its ClusterIP set\"");
    }

    @Test
    void checkRulesRefusesDrlThatRunsCodeAsTheServerAndAnEmptyFolder() {
        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("evil"));
        TestFiles.write(rules.resolve("evil.drl"), """
                package rules;

                import io.microseg.facts.*;

                rule "A node gets a shell"
                when
                    Workload(kind == WorkloadKind.NODE)
                then
                    Runtime.getRuntime().exec("touch /tmp/pwned");
                end
                """);
        CliRun evil = run("check-rules", rules.toString());
        assertThat(evil.exit()).isEqualTo(2);
        assertThat(evil.err()).startsWith("rules/evil.drl:9:5: rule \"A node gets a shell\": Runtime is refused: it runs programs "
                + "as the server; expected a class of io.microseg.facts");

        Path empty = dir.resolve("empty");
        TestFiles.write(empty.resolve("README"), "no rules here");
        CliRun none = run("check-rules", empty.toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains(empty + ": expected .drl files, found none");
    }

    @Test
    void testPassesOnTheScenariosAndFailsWithADiffOfExpectedAndActualRules() {
        CliRun pass = run("test", "tests/scenarios/seed-nodeport.yaml");
        assertThat(pass.exit()).isZero();
        assertThat(pass.out()).contains("PASS  The seed's NodePort example").contains("1 scenarios, 1 passed, 0 failed");

        Path scenario = dir.resolve("wrong.yaml");
        TestFiles.write(scenario, TestFiles.read(Path.of("tests/scenarios/seed-nodeport.yaml"))
                .replace("../../config/demo", Path.of("config/demo").toAbsolutePath().toString())
                .replace("ports: \"30017\", peer: \"nodes:demo\",\n       rule:", "ports: \"30018\", peer: \"nodes:demo\",\n       rule:"));
        CliRun fail = run("test", scenario.toString());
        assertThat(fail.exit()).isEqualTo(1);
        assertThat(fail.out()).contains("FAIL  The seed's NodePort example")
                .contains("missing rule:    host/backup-prod EGRESS ALLOW TCP 30018 peer nodes:demo")
                .contains("unexpected rule: host/backup-prod EGRESS ALLOW TCP 30017 peer nodes:demo")
                .contains("1 scenarios, 0 passed, 1 failed");
    }

    @Test
    void testFailsOnAWrongCellOfATruthTableAndErrsOnAnUnknownWorkload() {
        String seed = TestFiles.read(Path.of("tests/scenarios/seed-nodeport.yaml"))
                .replace("../../config/demo", Path.of("config/demo").toAbsolutePath().toString());
        String devRow = "        pod/demo/web/web-dev-0   X                     X                   X\n";
        assertThat(seed).contains(devRow);
        Path wrong = dir.resolve("wrong-cell.yaml");
        TestFiles.write(wrong, seed.replace(devRow, devRow.replaceFirst("X", ".")));
        CliRun fail = run("test", wrong.toString());
        assertThat(fail.exit()).isEqualTo(1);
        assertThat(fail.out()).contains("FAIL  The seed's NodePort example")
                .containsPattern("\"who reaches db on its service port\" line \\d+ \\(expect.matrix\\[0\\].grid, line 7 of the grid\\):"
                        + " pod/demo/web/web-dev-0 -> service/demo/data/db tcp/27017: expected ALLOW, actual DENY, decided by policy demo/catch-all,"
                        + " DRL rule \"Workloads in a workspace's scope fall back to its catch-all\" at source egress on pod/demo/web/web-dev-0")
                .contains("1 scenarios, 0 passed, 1 failed");

        Path unknown = dir.resolve("unknown.yaml");
        TestFiles.write(unknown, seed.replace("        pod/demo/web/web-dev-0   X ", "        pod/demo/web/web-dev-9   X "));
        CliRun err = run("test", unknown.toString());
        assertThat(err.exit()).isEqualTo(1);
        assertThat(err.out()).containsPattern("ERROR " + java.util.regex.Pattern.quote(unknown.toString()) + "\n +"
                        + java.util.regex.Pattern.quote(unknown.toString()) + ":\\d+: field expect.matrix\\[0\\].grid, line 7 of the grid:"
                        + " a workload of the scenario's inventory, found pod/demo/web/web-dev-9, which names none")
                .contains("1 scenarios, 0 passed, 1 failed");
    }

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }
}
