package io.microseg.compile;

import io.microseg.controlplane.RuleSource;
import io.microseg.facts.CatchAll;
import io.microseg.facts.AppliedTo;
import io.microseg.facts.GroupRule;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import org.junit.jupiter.api.Test;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.KieSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The kie-maven-plugin can silently package zero rules: prove the build compiled every DRL rule and that they fire. */
class PackagedRulesTest {
    private static final Pattern RULE = Pattern.compile("^rule\\s+\"([^\"]+)\"", Pattern.MULTILINE);

    @Test
    void everyRuleWrittenInRulesFolderIsInThePackagedKieBase() throws IOException {
        Set<String> written;
        try (Stream<Path> files = Files.list(Path.of("rules"))) {
            written = files.filter(f -> f.toString().endsWith(".drl")).flatMap(f -> {
                try {
                    Matcher m = RULE.matcher(Files.readString(f));
                    return m.results().map(r -> r.group(1)).toList().stream();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }).collect(Collectors.toSet());
        }
        Set<String> packaged = RuleBase.packaged().kieBase().getKiePackages().stream()
                .flatMap(p -> p.getRules().stream()).map(Rule::getName).collect(Collectors.toSet());

        assertThat(written).isNotEmpty();
        assertThat(packaged).containsExactlyInAnyOrderElementsOf(written);
    }

    @Test
    void packagedRulesFireAndDeriveGroupRules() {
        KieSession session = RuleBase.packaged().newSession();
        try {
            session.insert(new CatchAll("ws", "match:scope", Action.DENY, Action.ALLOW, io.microseg.policy.Enforcement.ENFORCE));

            assertThat(session.fireAllRules()).isPositive();
            List<GroupRule> derived = session.getObjects(o -> o instanceof GroupRule).stream()
                    .map(GroupRule.class::cast).toList();
            assertThat(derived).allMatch(r -> r.appliedTo().equals(AppliedTo.scope("match:scope")));
            assertThat(derived).extracting(GroupRule::direction, GroupRule::action)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple(Direction.INGRESS, Action.DENY),
                            org.assertj.core.groups.Tuple.tuple(Direction.EGRESS, Action.ALLOW));
        } finally {
            session.dispose();
        }
    }

    @Test
    void everyPackagedRuleCanBeTracedToItsDrlFileAndLine() {
        RuleBase rules = RuleBase.packaged();
        rules.kieBase().getKiePackages().stream().flatMap(p -> p.getRules().stream()).forEach(r -> {
            RuleSource src = rules.sources().find(r.getName()).orElseThrow();
            assertThat(src.file()).matches("rules/[a-z-]+\\.drl");
            assertThat(src.line()).isPositive();
            assertThat(src.text()).startsWith("rule \"" + r.getName() + "\"");
        });
    }
}
