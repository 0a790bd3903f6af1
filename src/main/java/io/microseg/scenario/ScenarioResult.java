package io.microseg.scenario;

import java.nio.file.Path;
import java.util.List;

/** The outcome of one scenario: passed when {@code differences} is empty. */
public record ScenarioResult(String name, Path file, List<String> differences) {
    public ScenarioResult {
        differences = List.copyOf(differences);
    }

    public boolean passed() {
        return differences.isEmpty();
    }
}
