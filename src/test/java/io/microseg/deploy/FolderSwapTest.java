package io.microseg.deploy;

import io.microseg.compile.RuleBase;
import io.microseg.compile.RuleFiles;
import io.microseg.config.MicrosegConfig;
import io.microseg.engine.Change;
import io.microseg.engine.Engine;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import io.microseg.testing.Await;
import io.microseg.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routine ways of replacing a rules folder as a whole, each followed by the watch: the folder deleted
 * and a new one moved in its place, a Kubernetes ConfigMap volume whose {@code ..data} link is swapped
 * to a new timestamped directory, and a folder that is a link repointed to another one. A watch on the
 * directory itself (as before) goes deaf at the first of them; following the content does not, and keeps
 * following the new folder afterwards.
 */
class FolderSwapTest {
    private static final MicrosegConfig.Rules FAST = new MicrosegConfig.Rules(Duration.ofMillis(300), Duration.ofMillis(100), false,
            Duration.ofSeconds(30));
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static String extraRule;

    @TempDir
    Path dir;
    private Engine engine;
    private RulesReloader reloader;
    private final List<DeployOutcome.Applied> applied = new CopyOnWriteArrayList<>();
    private final List<RefusedDeploy> refused = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void aRuleToAdd() {
        String services = TestFiles.read(Path.of("rules/services.drl"));
        String name = "Provider pods accept the nodes of the cluster on the target port";
        int start = services.indexOf("rule \"" + name + "\"");
        extraRule = services.substring(start, services.indexOf("\nend", start) + "\nend".length());
    }

    @BeforeEach
    void engineOnThePackagedRules() {
        engine = new Engine(RuleBase.packaged());
        engine.start();
        engine.submit(new Change.Replace("demo", InventoryReader.readObjects(Path.of("config/demo/inventory"))));
        engine.submit(new Change.Workspaces("demo", PolicyReader.read(Path.of("config/demo/policies"))));
        engine.sync().join();
    }

    @AfterEach
    void stop() {
        if (reloader != null) reloader.close();
        engine.close();
    }

    @Test
    void aFolderDeletedAndReplacedByAnotherIsFollowed() throws IOException {
        Path rules = TestFiles.copy(Path.of("rules"), dir.resolve("rules"));
        follow(rules);

        Path next = TestFiles.copy(Path.of("rules"), dir.resolve("rules.new"));
        addRule(next, "one");
        TestFiles.deleteTree(rules);                                  // rm -rf rules && mv rules.new rules
        Files.move(next, rules, StandardCopyOption.ATOMIC_MOVE);
        awaitInForce("one");

        addRule(rules, "two");                                         // and the new folder is followed in turn
        awaitInForce("two");
        assertThat(refused).as("the moment without a folder was never settled, nor deployed").isEmpty();
    }

    @Test
    void aConfigMapVolumeWhoseDataLinkIsSwappedIsFollowed() throws IOException {
        Path volume = dir.resolve("rules");
        Files.createDirectories(volume);
        Path first = TestFiles.copy(Path.of("rules"), volume.resolve("..2026_01_01_00_00_00.000000001"));
        Files.createSymbolicLink(volume.resolve("..data"), first.getFileName());
        linkFiles(volume, first);
        follow(volume);

        // kubelet: write the new version beside the old, point ..data at it atomically, then add links and drop the old
        Path second = TestFiles.copy(Path.of("rules"), volume.resolve("..2026_01_01_00_05_00.000000002"));
        addRule(second, "one");
        Path tmp = Files.createSymbolicLink(volume.resolve("..data_tmp"), second.getFileName());
        Files.move(tmp, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        linkFiles(volume, second);
        TestFiles.deleteTree(first);
        awaitInForce("one");

        Path third = TestFiles.copy(second, volume.resolve("..2026_01_01_00_10_00.000000003"));
        addRule(third, "two");
        tmp = Files.createSymbolicLink(volume.resolve("..data_tmp"), third.getFileName());
        Files.move(tmp, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        linkFiles(volume, third);
        TestFiles.deleteTree(second);
        awaitInForce("two");
        assertThat(reloader.status().inForce().digest()).isEqualTo(RuleFiles.read(third).digest());
    }

    @Test
    void aFolderThatIsALinkRepointedElsewhereIsFollowed() throws IOException {
        Path v1 = TestFiles.copy(Path.of("rules"), dir.resolve("rules-v1"));
        Path rules = Files.createSymbolicLink(dir.resolve("rules"), v1.getFileName());
        follow(rules);

        Path v2 = TestFiles.copy(Path.of("rules"), dir.resolve("rules-v2"));
        addRule(v2, "one");
        repoint(rules, v2);                                            // ln -sfn rules-v2 rules
        awaitInForce("one");

        Path v3 = TestFiles.copy(v2, dir.resolve("rules-v3"));
        addRule(v3, "two");
        repoint(rules, v3);
        awaitInForce("two");
        assertThat(reloader.status().inForce().digest()).isEqualTo(RuleFiles.read(v3).digest());
    }

    private void follow(Path folder) {
        reloader = new RulesReloader(folder, engine, RuleBase.packaged(), FAST, Clock.systemUTC(), new RulesReloader.Listener() {
            @Override
            public void applied(DeployOutcome.Applied a) {
                applied.add(a);
            }

            @Override
            public void refused(RefusedDeploy r) {
                refused.add(r);
            }
        });
        reloader.start();
    }

    /** Writes {@code extra-<tag>.drl} with a copy of a shipped rule named after the tag. */
    private static void addRule(Path folder, String tag) {
        TestFiles.write(folder.resolve("extra-" + tag + ".drl"), "package rules;\n\nimport io.microseg.facts.*;\nimport io.microseg.policy.Action;\n\n"
                + extraRule.replaceFirst("rule \"[^\"]+\"", "rule \"Extra rule " + tag + "\"") + "\n");
    }

    private void awaitInForce(String tag) {
        Await.until("rule " + tag + " in force", WAIT, () -> reloader.status().inForce().ruleNames().contains("Extra rule " + tag));
        assertThat(engine.snapshot().compilation().rules()).anyMatch(r -> r.rule().equals("Extra rule " + tag));
    }

    /** As kubelet does: each file of the volume is a link through ..data. */
    private static void linkFiles(Path volume, Path version) throws IOException {
        try (Stream<Path> files = Files.list(version)) {
            for (Path f : files.toList()) {
                Path link = volume.resolve(f.getFileName());
                if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, Path.of("..data").resolve(f.getFileName()));
                }
            }
        }
    }

    private static void repoint(Path link, Path target) throws IOException {
        Path tmp = Files.createSymbolicLink(link.resolveSibling(link.getFileName() + ".tmp"), target.getFileName());
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
