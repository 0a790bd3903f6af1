package io.microseg.deploy;

import io.microseg.controlplane.CompiledRule;
import io.microseg.compile.RuleBase;
import io.microseg.compile.RuleFiles;
import io.microseg.config.MicrosegConfig;
import io.microseg.engine.Change;
import io.microseg.engine.ChangeSet;
import io.microseg.engine.Engine;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import io.microseg.testing.Await;
import io.microseg.testing.LogCapture;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deploying a rules folder to a running engine: a complete rule set reaches subscribers as ordinary
 * deltas; anything else (errors, refusals, dropped rules) is reported and publishes nothing. Removing a
 * DRL rule takes its name.
 */
class RulesReloaderTest {
    private static final String NODES_RULE = "Provider pods accept the nodes of the cluster on the target port";
    private static final MicrosegConfig.Rules FAST = new MicrosegConfig.Rules(Duration.ofMillis(300), Duration.ofMillis(100), false,
            Duration.ofSeconds(30));

    @TempDir
    Path dir;
    private Path rules;
    private Engine engine;
    private RulesReloader reloader;
    private final List<ChangeSet> published = new CopyOnWriteArrayList<>();
    private final List<DeployOutcome.Applied> applied = new CopyOnWriteArrayList<>();
    private final List<RefusedDeploy> refused = new CopyOnWriteArrayList<>();

    @BeforeEach
    void demoOnThePackagedRules() {
        rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        RuleBase packaged = RuleBase.packaged();
        engine = new Engine(packaged);
        engine.start();
        engine.submit(new Change.Replace("demo", InventoryReader.readObjects(Path.of("config/demo/inventory"))));
        engine.submit(new Change.Workspaces("demo", PolicyReader.read(Path.of("config/demo/policies"))));
        engine.sync().join();
        engine.subscribe(published::add);
        reloader = new RulesReloader(rules, engine, packaged, FAST, Clock.systemUTC(), new RulesReloader.Listener() {
            @Override
            public void applied(DeployOutcome.Applied a) {
                applied.add(a);
            }

            @Override
            public void refused(RefusedDeploy r) {
                refused.add(r);
            }
        });
    }

    @AfterEach
    void stop() {
        reloader.close();
        engine.close();
    }

    @Test
    void thePackagedRulesAreTheFolderAsShippedSoNothingChanges() throws IOException {
        assertThat(reloader.status().inForce().digest()).isEqualTo(RuleFiles.read(Path.of("rules")).digest());
        assertThat(reloader.reload(Optional.empty(), "test")).isInstanceOf(DeployOutcome.Unchanged.class);
        assertThat(published).isEmpty();
    }

    @Test
    void aRuleRemovedFromTheDrlIsRefusedUntilItsRemovalIsAskedForByName() {
        long before = engine.version();
        removeRule("services.drl", NODES_RULE);

        DeployOutcome refusal = reloader.reload(Optional.empty(), "test");
        assertThat(refusal).isInstanceOfSatisfying(DeployOutcome.Refused.class, r -> {
            assertThat(r.refusal().reason()).isEqualTo(RefusalReason.DROPS_RULES);
            assertThat(r.refusal().dropped()).containsExactly(NODES_RULE);
        });
        assertThat(published).as("nothing reaches the agents").isEmpty();
        assertThat(reloader.status().refused()).isTrue();

        assertThat(reloader.reload(Optional.of(Set.of(NODES_RULE, "A rule that is not dropped")), "test"))
                .isInstanceOfSatisfying(DeployOutcome.Refused.class, r -> assertThat(r.refusal().reason()).isEqualTo(RefusalReason.REMOVE_MISMATCH));
        assertThat(published).isEmpty();

        DeployOutcome outcome;
        try (LogCapture log = new LogCapture()) {
            outcome = reloader.reload(Optional.of(Set.of(NODES_RULE)), "operator alice");
            assertThat(log.text()).contains("rule \"" + NODES_RULE + "\" removed, as operator alice asked");
        }
        assertThat(outcome).isInstanceOfSatisfying(DeployOutcome.Applied.class, a -> {
            assertThat(a.removed()).containsExactly(NODES_RULE);
            assertThat(a.inForce().version()).isEqualTo(before + 1);
            assertThat(a.inForce().ruleNames()).doesNotContain(NODES_RULE);
        });
        assertThat(published).hasSize(1);
        ChangeSet delta = published.get(0);
        assertThat(delta.rulesAdded()).isEmpty();
        assertThat(delta.rulesRemoved()).extracting(CompiledRule::workload).containsExactlyInAnyOrder("pod/demo/data/db-0", "pod/demo/data/db-1");
        assertThat(delta.rulesRemoved()).allMatch(r -> r.rule().equals(NODES_RULE));
        assertThat(delta.sets()).as("nodes:demo is still used by other rules").isEmpty();
        assertThat(engine.snapshot().compilation().rules()).noneMatch(r -> r.rule().equals(NODES_RULE));
        assertThat(reloader.status().refused()).isFalse();
    }

    @Test
    void aSyntaxErrorIsReportedWhereTheParserMeetsItAndTheRunningRulesStay() {
        Path file = rules.resolve("workloads.drl");
        int line = TestFiles.lineOf(file, "    $ca : CatchAll()\nthen\n    insertLogical(GroupRule.catchAll(");
        TestFiles.edit(file, "    $ca : CatchAll()\nthen\n    insertLogical(GroupRule.catchAll(",
                "    $ca : CatchAll(\nthen\n    insertLogical(GroupRule.catchAll(");
        RefusedDeploy r = assertRefused(RefusalReason.BUILD_FAILED);
        // inside the open pattern `then` reads as a constraint, so the parser notices the missing ')' at
        // the consequence's first token, two lines further down
        assertThat(r.problems().get(0).toString()).startsWith("rules/workloads.drl:" + (line + 2) + ":");
        assertThat(r.problems().get(0).rule()).isEqualTo("Workloads in a workspace's scope fall back to its catch-all");
    }

    @Test
    void anUnknownFactFieldIsReportedAtItsLineAndTheRunningRulesStay() {
        int line = TestFiles.lineOf(rules.resolve("services.drl"), "$g : ServiceGrant(hasNodePort, action == Action.ALLOW)");
        TestFiles.edit(rules.resolve("services.drl"), "$g : ServiceGrant(hasNodePort, action == Action.ALLOW)",
                "$g : ServiceGrant(hasNodePorts, action == Action.ALLOW)");
        RefusedDeploy r = assertRefused(RefusalReason.BUILD_FAILED);
        assertThat(r.problems().get(0).file()).isEqualTo("rules/services.drl");
        assertThat(r.problems().get(0).line()).isEqualTo(line);
        assertThat(r.problems().get(0).rule()).isEqualTo("The nodes of the cluster forward to the provider pods on the target port");
    }

    @Test
    void aBadConsequenceIsReportedAtItsLineAndTheRunningRulesStay() {
        int line = TestFiles.lineOf(rules.resolve("sets.drl"), "insertLogical(new SetMember(Sets.nodes($cluster), $ip));");
        TestFiles.edit(rules.resolve("sets.drl"), "insertLogical(new SetMember(Sets.nodes($cluster), $ip));",
                "insertLogical(new SetMember(Sets.nodesOf($cluster), $ip));");
        RefusedDeploy r = assertRefused(RefusalReason.BUILD_FAILED);
        assertThat(r.problems().get(0).file()).isEqualTo("rules/sets.drl");
        assertThat(r.problems().get(0).line()).isEqualTo(line);
    }

    @Test
    void drlThatRunsAProgramIsRefusedBeforeItIsCompiledAndTheRunningRulesStay() {
        TestFiles.edit(rules.resolve("sets.drl"), "    insertLogical(new SetMember(Sets.nodes($cluster), $ip));",
                "    Runtime.getRuntime().exec(\"touch " + dir.resolve("pwned") + "\");\n"
                        + "    insertLogical(new SetMember(Sets.nodes($cluster), $ip));");
        RefusedDeploy r = assertRefused(RefusalReason.NOT_ALLOWED);
        assertThat(r.problems().get(0).toString()).startsWith("rules/sets.drl:").contains(":5: rule \"The nodes of a cluster form its node set\": "
                + "Runtime is refused: it runs programs as the server");
        assertThat(dir.resolve("pwned")).doesNotExist();
    }

    @Test
    void anEmptyFolderAndAFolderWithoutRulesAreRefusedAndEveryRuleStays() {
        for (String f : List.of("clusternetworkpolicy.drl", "networkpolicy.drl", "services.drl", "sets.drl", "warnings.drl", "workloads.drl")) TestFiles.delete(rules.resolve(f));
        assertThat(assertRefused(RefusalReason.EMPTY).detail()).contains("no .drl file in").contains("every firewall would open");

        TestFiles.write(rules.resolve("notes.drl"), "package rules;\n// nothing yet\n");
        assertThat(assertRefused(RefusalReason.EMPTY).detail()).contains("hold no rule");

        TestFiles.deleteTree(rules);
        assertThat(assertRefused(RefusalReason.EMPTY).detail()).contains("does not exist");
    }

    @Test
    void theWatchAppliesAnAddedRuleByItselfButNeverRemovesOne() throws IOException {
        reloader.start();
        String copy = TestFiles.read(rules.resolve("services.drl"));
        int start = copy.indexOf("rule \"" + NODES_RULE + "\"");
        int end = copy.indexOf("\nend", start) + "\nend".length();
        String extra = "package rules;\n\nimport io.microseg.facts.*;\nimport io.microseg.policy.Action;\n\n"
                + copy.substring(start, end).replace(NODES_RULE, "A copy of the node rule") + "\n";
        TestFiles.write(rules.resolve("extra.drl"), extra);
        Await.until("the added rule applied", Duration.ofSeconds(60), () -> !applied.isEmpty());
        assertThat(applied.get(0).added()).containsExactly("A copy of the node rule");
        assertThat(engine.snapshot().compilation().rules()).anyMatch(r -> r.rule().equals("A copy of the node rule"));

        TestFiles.delete(rules.resolve("extra.drl"));
        Await.until("the removal refused", Duration.ofSeconds(60), () -> !refused.isEmpty());
        assertThat(refused.get(0).reason()).isEqualTo(RefusalReason.DROPS_RULES);
        assertThat(refused.get(0).dropped()).containsExactly("A copy of the node rule");
        assertThat(engine.snapshot().compilation().rules()).anyMatch(r -> r.rule().equals("A copy of the node rule"));

        assertThat(reloader.reload(Optional.of(Set.of("A copy of the node rule")), "test")).isInstanceOf(DeployOutcome.Applied.class);
        assertThat(engine.snapshot().compilation().rules()).noneMatch(r -> r.rule().equals("A copy of the node rule"));
        assertThat(reloader.status().inForce().digest()).isEqualTo(RuleFiles.read(Path.of("rules")).digest());
    }

    private RefusedDeploy assertRefused(RefusalReason reason) {
        List<CompiledRule> before = engine.snapshot().compilation().rules();
        DeployOutcome outcome = reloader.reload(Optional.empty(), "test");
        assertThat(outcome).isInstanceOf(DeployOutcome.Refused.class);
        RefusedDeploy r = ((DeployOutcome.Refused) outcome).refusal();
        assertThat(r.reason()).isEqualTo(reason);
        assertThat(published).as("nothing reaches the agents").isEmpty();
        assertThat(engine.snapshot().compilation().rules()).isEqualTo(before);
        assertThat(reloader.status().lastRefusal()).isEqualTo(r);
        return r;
    }

    /** Deletes one rule, from its comment-free `rule "name"` line to its `end`. */
    private void removeRule(String file, String name) {
        String text = TestFiles.read(rules.resolve(file));
        int start = text.indexOf("rule \"" + name + "\"");
        int end = text.indexOf("\nend", start) + "\nend".length();
        TestFiles.write(rules.resolve(file), text.substring(0, start) + text.substring(end));
    }
}
