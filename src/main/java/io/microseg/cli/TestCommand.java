package io.microseg.cli;

import io.microseg.compile.RuleBase;
import io.microseg.input.InputException;
import io.microseg.scenario.ScenarioResult;
import io.microseg.scenario.ScenarioRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "test", mixinStandardHelpOptions = true,
        description = "Runs scenario files: pass/fail per scenario with a diff of expected and actual rules. Exit 1 when any fails.")
final class TestCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", defaultValue = "tests/scenarios", description = "A scenario file or a folder of them (default: ${DEFAULT-VALUE}).")
    Path path;

    @Override
    public Integer call() {
        ScenarioRunner runner = new ScenarioRunner(RuleBase.packaged());
        List<Path> files = ScenarioRunner.scenarioFiles(path);
        int failed = 0;
        int scenarios = 0;
        for (Path f : files) {
            List<ScenarioResult> results;
            try {
                results = runner.runAll(f);
            } catch (InputException e) {
                System.out.println("ERROR " + f + "\n      " + e.getMessage());
                failed++;
                scenarios++;
                continue;
            }
            for (ScenarioResult r : results) {
                scenarios++;
                System.out.println((r.passed() ? "PASS  " : "FAIL  ") + r.name() + "  (" + f + ")");
                for (String d : r.differences()) System.out.println("      " + d);
                if (!r.passed()) failed++;
            }
        }
        System.out.printf("%n%d scenarios, %d passed, %d failed%n", scenarios, scenarios - failed, failed);
        return failed == 0 ? 0 : 1;
    }
}
