package io.microseg.scenario;

import io.microseg.compile.RuleBase;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every scenario in tests/scenarios is a test: the policy experts' specification of the compiler. */
class ScenariosTest {
    private final ScenarioRunner runner = new ScenarioRunner(RuleBase.packaged());

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return ScenarioRunner.scenarioFiles(Path.of("tests/scenarios")).stream()
                .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(), () -> {
                    for (ScenarioResult r : runner.runAll(f)) assertThat(r.differences()).as("%s (%s)", r.name(), f).isEmpty();
                }));
    }
}
