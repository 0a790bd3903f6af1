package io.microseg.deploy;

import io.microseg.compile.DrlBuild;
import io.microseg.compile.DrlProblem;
import io.microseg.compile.RuleBase;
import io.microseg.compile.RuleFiles;
import io.microseg.config.MicrosegConfig;
import io.microseg.engine.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;

/**
 * Deploys a rules folder to the engine, atomically and failing closed. A rule set is applied only
 * when it is complete:
 * <ol>
 *   <li>the folder may be trusted ({@link RulesFolderTrust}), unless shared folders are allowed;</li>
 *   <li>its content is settled: unchanged for the quiet period ({@link FolderWatch});</li>
 *   <li>it holds rules: an empty folder (or none, or files without a rule) would open every firewall;</li>
 *   <li>the code check allows it and it builds ({@link DrlBuild});</li>
 *   <li>it keeps every DRL rule the running set has, by name, unless the removal is asked for
 *       explicitly with exactly the names it drops ({@code POST /v1/rules/reload {"remove":[...]}}).</li>
 * </ol>
 * Anything else is refused: logged (once per distinct refusal), reported to the listener, shown by
 * {@link #status()}, and the running rules stay in force, so every agent keeps every rule it has. The
 * content that is checked is the content that is built and the one whose digest is reported: the
 * folder is read once per attempt.
 */
public final class RulesReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RulesReloader.class);

    /** Told of every applied rule set and of every distinct refusal (on the thread that deployed). */
    public interface Listener {
        void applied(DeployOutcome.Applied applied);

        void refused(RefusedDeploy refused);
    }

    /**
     * What {@code GET /v1/rules} shows: the rule set in force, the last refusal (null if none), and
     * whether the folder's latest content was refused (rather than applied, or the one in force).
     */
    public record Status(RuleSetInForce inForce, RefusedDeploy lastRefusal, boolean refused) {
        public String state() {
            return refused ? "refused" : "applied";
        }
    }

    private final Engine engine;
    private final MicrosegConfig.Rules settings;
    private final Clock clock;
    private final Listener listener;
    private final FolderWatch watch;
    private RuleSetInForce inForce;
    private RuleBase rules;
    /** The DRL of {@link #rules}; null until a deploy from the folder (the starting rules' files are not known here). */
    private RuleFiles files;
    private RefusedDeploy lastRefusal;
    private boolean refused;

    /**
     * @param running the rules the engine was started with, now in force
     */
    public RulesReloader(Path folder, Engine engine, RuleBase running, MicrosegConfig.Rules settings, Clock clock, Listener listener) {
        this.engine = engine;
        this.settings = settings;
        this.clock = clock;
        this.listener = listener;
        this.inForce = new RuleSetInForce(running.digest(), running.ruleNames(), clock.instant(), engine.version());
        this.rules = running;
        this.watch = new FolderWatch(folder, settings.quietPeriod(), settings.pollInterval(), clock, this::offered);
    }

    /** Starts following the folder: each new settled content is deployed without removing any rule. */
    public void start() {
        String digest;
        synchronized (this) {
            digest = inForce.digest();
        }
        watch.start(digest);
    }

    public Path folder() {
        return watch.folder();
    }

    public synchronized Status status() {
        return new Status(inForce, lastRefusal, refused);
    }

    /** The rules in force and their DRL files (files null when they are the starting rules), for previews of candidates. */
    public synchronized Running running() {
        return new Running(rules, files);
    }

    /** A rule base and the DRL it was built from (null when not known). */
    public record Running(RuleBase rules, RuleFiles files) {}

    /**
     * Deploys the folder now, as an operator asks: waits up to the quiet period for the folder to
     * settle, then applies it if it is complete. {@code remove}, when present, must name exactly the
     * DRL rules the new set drops (and is how rules are removed); {@code who} names the operator in the log.
     * Blocks for the build: call it off any event loop, and never from the engine thread.
     */
    public DeployOutcome reload(Optional<Set<String>> remove, String who) {
        FolderWatch.Reading r = watch.read();
        Duration left = r.untilSettled(clock.instant(), settings.quietPeriod());
        if (!left.isZero()) {
            try {
                Thread.sleep(left.toMillis() + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return refuse(new RefusedDeploy(RefusalReason.UNSETTLED, "interrupted waiting for " + watch.folder() + " to settle",
                        null, List.of(), List.of(), clock.instant()));
            }
            FolderWatch.Reading again = watch.read();
            if (!again.digest().equals(r.digest()) || !again.settled(clock.instant(), settings.quietPeriod())) {
                return refuse(new RefusedDeploy(RefusalReason.UNSETTLED, "the files in " + watch.folder() + " are still changing: "
                        + "expected them unchanged for " + settings.quietPeriod().toMillis() + " ms; retry once they are written",
                        null, List.of(), List.of(), clock.instant()));
            }
            r = again;
        }
        DeployOutcome outcome = deploy(r, remove, who);
        if (!(outcome instanceof DeployOutcome.Refused f) || transientRefusal(f.refusal().reason())) return outcome;
        watch.handled(r.digest());
        return outcome;
    }

    /** A settled content offered by the watch: deployed without removals. True when done with it. */
    private boolean offered(FolderWatch.Reading r) {
        DeployOutcome outcome = deploy(r, Optional.empty(), "the rules folder watch");
        return !(outcome instanceof DeployOutcome.Refused f) || !transientRefusal(f.refusal().reason());
    }

    /** Refusals that may go away without the content changing: the content is offered again at the next poll. */
    private static boolean transientRefusal(RefusalReason reason) {
        return reason == RefusalReason.UNTRUSTED || reason == RefusalReason.UNREADABLE || reason == RefusalReason.UNSETTLED;
    }

    private synchronized DeployOutcome deploy(FolderWatch.Reading r, Optional<Set<String>> remove, String who) {
        Path folder = watch.folder();
        if (r.missing()) return refuse(new RefusedDeploy(RefusalReason.EMPTY, r.problem(), null, List.of(), List.of(), clock.instant()));
        if (!settings.allowSharedFolder()) {
            List<String> untrusted = RulesFolderTrust.problems(folder);
            if (!untrusted.isEmpty()) {
                return refuse(new RefusedDeploy(RefusalReason.UNTRUSTED, String.join("; ", untrusted) + ": whoever can write it runs "
                        + "code as the server (allow it with --allow-shared-rules-folder or rules.allowSharedFolder: true)",
                        null, List.of(), List.of(), clock.instant()));
            }
        }
        if (r.files() == null) {
            return refuse(new RefusedDeploy(RefusalReason.UNREADABLE, r.problem(), null, List.of(), List.of(), clock.instant()));
        }
        RuleFiles files = r.files();
        String digest = r.digest();
        if (files.isEmpty()) {
            return refuse(new RefusedDeploy(RefusalReason.EMPTY, "no .drl file in " + folder + ": with no rules every firewall "
                    + "would open", digest, List.of(), List.of(), clock.instant()));
        }
        if (digest.equals(inForce.digest())) {
            if (remove.isPresent() && !remove.get().isEmpty()) {
                return refuse(new RefusedDeploy(RefusalReason.REMOVE_MISMATCH, "the folder holds the rules in force: it drops no rule, "
                        + "found a removal of " + new TreeSet<>(remove.get()), digest, List.of(), List.of(), clock.instant()));
            }
            refused = false;
            return new DeployOutcome.Unchanged(inForce);
        }
        DrlBuild.Result built = DrlBuild.build(files);
        if (!built.ok()) {
            RefusalReason reason = built.notAllowed() ? RefusalReason.NOT_ALLOWED : RefusalReason.BUILD_FAILED;
            DrlProblem first = built.problems().get(0);
            String detail = built.problems().size() + (built.notAllowed() ? " refusal(s) by the code check" : " DRL error(s)")
                    + ", first " + first;
            return refuse(new RefusedDeploy(reason, detail, digest, List.of(), built.problems(), clock.instant()));
        }
        SortedSet<String> names = built.rules().ruleNames();
        if (names.isEmpty()) {
            return refuse(new RefusedDeploy(RefusalReason.EMPTY, "the .drl files in " + folder + " hold no rule: with no rules every "
                    + "firewall would open", digest, List.of(), List.of(), clock.instant()));
        }
        SortedSet<String> dropped = new TreeSet<>(inForce.ruleNames());
        dropped.removeAll(names);
        if (remove.isEmpty() && !dropped.isEmpty()) {
            return refuse(new RefusedDeploy(RefusalReason.DROPS_RULES, "the new rules drop " + dropped.size() + " DRL rule(s) the "
                    + "running rules have: " + quoted(dropped) + "; remove them explicitly with POST /v1/rules/reload "
                    + "{\"remove\": [...]}", digest, List.copyOf(dropped), List.of(), clock.instant()));
        }
        if (remove.isPresent() && !remove.get().equals(dropped)) {
            return refuse(new RefusedDeploy(RefusalReason.REMOVE_MISMATCH, "expected the removal to name exactly the rules the new "
                    + "rules drop, " + quoted(dropped) + ", found " + quoted(new TreeSet<>(remove.get())), digest, List.copyOf(dropped),
                    List.of(), clock.instant()));
        }
        long version;
        try {
            version = engine.replaceRules(built.rules()).join();
        } catch (CompletionException e) {
            return refuse(new RefusedDeploy(RefusalReason.BUILD_FAILED, "the new rules failed on the current inventory and policies: "
                    + e.getCause(), digest, List.of(), List.of(), clock.instant()));
        }
        SortedSet<String> added = new TreeSet<>(names);
        added.removeAll(inForce.ruleNames());
        String before = inForce.digest();
        inForce = new RuleSetInForce(digest, names, clock.instant(), version);
        rules = built.rules();
        this.files = files;
        refused = false;
        for (String rule : dropped) LOG.warn("rule \"{}\" removed, as {} asked", rule, who);
        LOG.info("rules {} from {} applied at version {} ({} rules; {} added, {} removed; was {})", digest, folder, version,
                names.size(), added.size(), dropped.size(), before);
        DeployOutcome.Applied applied = new DeployOutcome.Applied(inForce, new ArrayList<>(added), new ArrayList<>(dropped));
        listener.applied(applied);
        return applied;
    }

    private synchronized DeployOutcome refuse(RefusedDeploy refusal) {
        boolean repeat = refusal.repeats(lastRefusal);
        lastRefusal = refusal;
        refused = true;
        if (!repeat) {
            LOG.error("rules in {} not applied ({}): {}; the running rules {} stay in force and every agent keeps its rules",
                    watch.folder(), refusal.reason().label(), refusal.detail(), inForce.digest());
            for (DrlProblem p : refusal.problems()) LOG.error("DRL {}: {}", refusal.reason().label().replace('_', ' '), p);
            listener.refused(refusal);
        }
        return new DeployOutcome.Refused(refusal);
    }

    private static String quoted(Set<String> names) {
        return String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList());
    }

    @Override
    public void close() {
        watch.close();
    }
}
