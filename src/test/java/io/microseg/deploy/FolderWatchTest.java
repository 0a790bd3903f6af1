package io.microseg.deploy;

import io.microseg.testing.TestFiles;
import io.microseg.testing.TestClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When a folder's content counts as settled, on a clock the test moves: a folder still being written is
 * never offered, however often it is read; a content is offered once it has read the same for the quiet
 * period, and once only unless the listener asks for it again.
 */
class FolderWatchTest {
    private static final Duration QUIET = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    @Test
    void aFolderStillBeingWrittenIsOfferedOnlyOnceItHasStayedTheSameForTheQuietPeriod() {
        Path rules = dir.resolve("rules");
        TestFiles.write(rules.resolve("a.drl"), "package rules;\n");
        TestClock clock = new TestClock();
        List<String> offered = new ArrayList<>();
        FolderWatch watch = new FolderWatch(rules, QUIET, Duration.ofSeconds(5), clock, r -> offered.add(r.digest()));
        watch.handled("sha256:none");

        watch.tick();
        clock.advance(Duration.ofMillis(1500));
        TestFiles.write(rules.resolve("b.drl"), "package rules;\nrule \"half");   // the copy is under way
        watch.tick();
        clock.advance(Duration.ofMillis(1500));
        watch.tick();
        assertThat(offered).as("1.5 s after the last change, with a quiet period of 2 s").isEmpty();

        TestFiles.write(rules.resolve("b.drl"), "package rules;\nrule \"half\" when then end\n");
        watch.tick();
        clock.advance(Duration.ofMillis(1999));
        watch.tick();
        assertThat(offered).isEmpty();

        clock.advance(Duration.ofMillis(1));
        FolderWatch.Reading settled = watch.tick();
        assertThat(offered).containsExactly(settled.digest());
        assertThat(settled.files().files()).containsOnlyKeys("rules/a.drl", "rules/b.drl");

        clock.advance(Duration.ofSeconds(10));
        watch.tick();
        assertThat(offered).as("offered once: the listener was done with it").hasSize(1);
    }

    @Test
    void aContentTheListenerIsNotDoneWithIsOfferedAgainAndTheOneInForceNever() {
        Path rules = dir.resolve("rules");
        TestFiles.write(rules.resolve("a.drl"), "package rules;\n");
        TestClock clock = new TestClock();
        List<String> offered = new ArrayList<>();
        FolderWatch watch = new FolderWatch(rules, QUIET, Duration.ofSeconds(5), clock, r -> offered.add(r.digest()) && false);
        String inForce = watch.read().digest();
        watch.handled(inForce);
        clock.advance(Duration.ofSeconds(3));
        watch.tick();
        assertThat(offered).as("the content in force").isEmpty();

        TestFiles.write(rules.resolve("b.drl"), "package rules;\n");
        watch.tick();
        clock.advance(QUIET);
        watch.tick();
        clock.advance(Duration.ofSeconds(5));
        watch.tick();
        assertThat(offered).hasSize(2).containsOnly(watch.read().digest());
    }

    @Test
    void aMissingFolderIsAStateOfItsOwnAndFilesThatAreNotRulesDoNotCount() {
        Path rules = dir.resolve("rules");
        TestClock clock = new TestClock();
        FolderWatch watch = new FolderWatch(rules, QUIET, Duration.ofSeconds(5), clock, r -> true);
        FolderWatch.Reading missing = watch.read();
        assertThat(missing.missing()).isTrue();
        assertThat(missing.files()).isNull();
        assertThat(missing.problem()).contains("does not exist");

        TestFiles.write(rules.resolve("a.drl"), "package rules;\n");
        String digest = watch.read().digest();
        TestFiles.write(rules.resolve(".a.drl.swp"), "editor state");
        TestFiles.write(rules.resolve("README.md"), "notes");
        TestFiles.write(rules.resolve("sub/b.drl"), "package rules;\n");
        assertThat(watch.read().digest()).isEqualTo(digest);
    }
}
