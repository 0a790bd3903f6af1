package io.microseg.cli;

import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** diff as the command line runs it: --exit-code, the DRL side, and bad DRL as bad input with its location. */
class DiffCommandTest {
    @Test
    void exitCodeIsThreeWhenSomethingFlipsAndZeroWhenNothingDoes(@TempDir Path tmp) {
        Path candidate = TestFiles.copy(Path.of("config/demo/policies"), tmp.resolve("policies"));
        TestFiles.edit(candidate.resolve("demo.yaml"), "environment = production OR orchestrator_environment = production",
                "environment = production");
        CliRun flips = CliRun.of("diff", "--policies", candidate.toString(), "--against-policies", "config/demo/policies", "--exit-code");
        assertThat(flips.exit()).as(flips.err()).isEqualTo(DiffCommand.FLIPS);
        assertThat(flips.out()).startsWith("4 flows flip: 4 ALLOW -> DENY, 0 DENY -> ALLOW");
        CliRun without = CliRun.of("diff", "--policies", candidate.toString(), "--against-policies", "config/demo/policies");
        assertThat(without.exit()).isZero();
        CliRun same = CliRun.of("diff", "--against-policies", "config/demo/policies", "--exit-code", "--format", "json");
        assertThat(same.exit()).as(same.err()).isZero();
        assertThat(same.out()).isEqualTo("{\"flips\":[],\"summary\":{\"allowToDeny\":0,\"denyToAllow\":0}}\n");
    }

    @Test
    void aBrokenDrlFolderIsBadInputNamingFileAndLine(@TempDir Path tmp) {
        Path rules = TestFiles.copy(Path.of("rules"), tmp.resolve("rules"));
        TestFiles.edit(rules.resolve("services.drl"), "$g : ServiceGrant()", "$g : ServiceGrant(");
        CliRun r = CliRun.of("diff", "--rules", rules.toString(), "--against-policies", "config/demo/policies");
        assertThat(r.exit()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.err()).contains("--rules: the DRL does not build").containsPattern("rules/services\\.drl:\\d+:\\d+");
    }
}
