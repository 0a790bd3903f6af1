package io.microseg.engine;

import io.microseg.compile.CompiledRule;
import io.microseg.compile.RuleBase;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import io.microseg.testing.Await;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A DRL edit that builds reaches subscribers as ordinary deltas; one that does not is reported at its line and changes nothing. */
class RulesReloaderTest {
    private static final String NODES_RULE = "Provider pods accept the nodes of the cluster on the target port";

    @TempDir
    Path dir;
    private Path rules;
    private Engine engine;
    private RulesReloader reloader;
    private final List<ChangeSet> published = new CopyOnWriteArrayList<>();
    private final List<RulesReloader.Outcome> outcomes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void demoOnThePackagedRules() throws IOException {
        rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        engine = new Engine(RuleBase.packaged());
        engine.start();
        engine.submit(new Change.Replace("demo", InventoryReader.readObjects(Path.of("config/demo/inventory"))));
        engine.submit(new Change.Workspaces("demo", PolicyReader.read(Path.of("config/demo/policies"))));
        engine.sync().join();
        engine.subscribe(published::add);
        reloader = new RulesReloader(rules, engine, outcomes::add);
    }

    @AfterEach
    void stop() {
        reloader.close();
        engine.close();
    }

    @Test
    void aRuleRemovedFromTheDrlTakesItsRulesAwayAsOneDelta() {
        long before = engine.version();
        removeRule("services.drl", NODES_RULE);

        RulesReloader.Outcome outcome = reloader.reload();

        assertThat(outcome.applied()).isTrue();
        assertThat(outcome.version()).isEqualTo(before + 1);
        assertThat(published).hasSize(1);
        ChangeSet delta = published.get(0);
        assertThat(delta.rulesAdded()).isEmpty();
        assertThat(delta.rulesRemoved()).extracting(CompiledRule::workload).containsExactlyInAnyOrder("pod/demo/data/db-0", "pod/demo/data/db-1");
        assertThat(delta.rulesRemoved()).allMatch(r -> r.rule().equals(NODES_RULE));
        assertThat(delta.sets()).as("nodes:demo is still used by other rules").isEmpty();
        assertThat(engine.snapshot().compilation().rules()).noneMatch(r -> r.rule().equals(NODES_RULE));
    }

    @Test
    void aSyntaxErrorIsReportedWhereTheParserMeetsItAndTheRunningRulesStay() {
        Path file = rules.resolve("workloads.drl");
        int line = TestFiles.lineOf(file, "    $ca : CatchAll()\nthen\n    insertLogical(GroupRule.catchAll(");
        TestFiles.edit(file, "    $ca : CatchAll()\nthen\n    insertLogical(GroupRule.catchAll(",
                "    $ca : CatchAll(\nthen\n    insertLogical(GroupRule.catchAll(");
        List<CompiledRule> before = engine.snapshot().compilation().rules();

        RulesReloader.Outcome outcome = reloader.reload();

        assertThat(outcome.applied()).isFalse();
        // inside the open pattern `then` reads as a constraint, so the parser notices the missing ')' at
        // the consequence's first token, two lines further down
        assertThat(outcome.problems().get(0).toString()).startsWith("rules/workloads.drl:" + (line + 2) + ":");
        assertThat(outcome.problems().get(0).rule()).isEqualTo("Workloads in a workspace's scope fall back to its catch-all");
        assertThat(published).isEmpty();
        assertThat(engine.snapshot().compilation().rules()).isEqualTo(before);
    }

    @Test
    void anUnknownFactFieldIsReportedAtItsLineAndTheRunningRulesStay() {
        int line = TestFiles.lineOf(rules.resolve("services.drl"), "$g : ServiceGrant(hasNodePort, action == Action.ALLOW)");
        TestFiles.edit(rules.resolve("services.drl"), "$g : ServiceGrant(hasNodePort, action == Action.ALLOW)",
                "$g : ServiceGrant(hasNodePorts, action == Action.ALLOW)");
        RulesReloader.Outcome outcome = assertRejectedAt("rules/services.drl", line);
        assertThat(outcome.problems().get(0).rule()).isEqualTo("The nodes of the cluster forward to the provider pods on the target port");
    }

    @Test
    void aBadConsequenceIsReportedAtItsLineAndTheRunningRulesStay() {
        int line = TestFiles.lineOf(rules.resolve("sets.drl"), "insertLogical(new SetMember(Sets.nodes($cluster), $ip));");
        TestFiles.edit(rules.resolve("sets.drl"), "insertLogical(new SetMember(Sets.nodes($cluster), $ip));",
                "insertLogical(new SetMember(Sets.nodesOf($cluster), $ip));");
        assertRejectedAt("rules/sets.drl", line);
    }

    @Test
    void anEditIsPickedUpFromTheFolderWithoutAskingAndUndoingItRestoresTheRules() throws IOException {
        reloader.start();
        String original = TestFiles.read(rules.resolve("services.drl"));
        removeRule("services.drl", NODES_RULE);
        Await.until("the edit reloaded", Duration.ofSeconds(30), () -> outcomes.stream().anyMatch(RulesReloader.Outcome::applied));
        assertThat(engine.snapshot().compilation().rules()).noneMatch(r -> r.rule().equals(NODES_RULE));

        TestFiles.write(rules.resolve("services.drl"), original);
        Await.until("the undo reloaded", Duration.ofSeconds(30),
                () -> published.stream().anyMatch(c -> c.rulesAdded().stream().anyMatch(r -> r.rule().equals(NODES_RULE))));
        assertThat(engine.snapshot().compilation().rules()).filteredOn(r -> r.rule().equals(NODES_RULE)).hasSize(2);
    }

    private RulesReloader.Outcome assertRejectedAt(String file, int line) {
        List<CompiledRule> before = engine.snapshot().compilation().rules();
        RulesReloader.Outcome outcome = reloader.reload();
        assertThat(outcome.applied()).isFalse();
        assertThat(outcome.problems()).isNotEmpty();
        assertThat(outcome.problems().get(0).file()).isEqualTo(file);
        assertThat(outcome.problems().get(0).line()).isEqualTo(line);
        assertThat(published).as("nothing reaches the agents").isEmpty();
        assertThat(engine.snapshot().compilation().rules()).isEqualTo(before);
        return outcome;
    }

    /** Deletes one rule, from its comment-free `rule "name"` line to its `end`. */
    private void removeRule(String file, String name) {
        String text = TestFiles.read(rules.resolve(file));
        int start = text.indexOf("rule \"" + name + "\"");
        int end = text.indexOf("\nend", start) + "\nend".length();
        TestFiles.write(rules.resolve(file), text.substring(0, start) + text.substring(end));
    }
}
