package io.microseg.scenario;

import io.microseg.controlplane.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.compile.RuleBase;
import io.microseg.engine.FullCompile;
import io.microseg.explain.ClusterSafety;
import io.microseg.explain.Trace;
import io.microseg.facts.Warning;
import io.microseg.input.YamlDocuments;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyInputs;
import io.microseg.policy.Rank;
import io.microseg.policy.Workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs scenario files: compiles what each one gives and reports, as a readable diff, every expected
 * rule, set or warning that is missing and every actual one that was not expected, and every cell of
 * its truth tables whose verdict differs from what {@code trace} decides.
 */
public final class ScenarioRunner {
    private final RuleBase rules;

    public ScenarioRunner(RuleBase rules) {
        this.rules = rules;
    }

    /** The scenario files of a folder (recursively), in path order. */
    public static List<Path> scenarioFiles(Path folder) {
        if (Files.isRegularFile(folder)) return List.of(folder);
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(YamlDocuments::isInputFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a file of one scenario. */
    public ScenarioResult run(Path file) {
        return run(Scenario.read(file));
    }

    /** Runs every scenario of a file (one per YAML document), in order. */
    public List<ScenarioResult> runAll(Path file) {
        return Scenario.readAll(file).stream().map(this::run).toList();
    }

    private ScenarioResult run(Scenario s) {
        Path file = s.file();
        PolicyInputs given = s.policies().folder() != null ? PolicyInputs.read(s.policies().folder())
                : PolicyInputs.read(s.policies().documents());
        InventoryReader.Read read = given.addTo(s.inventory().folder() != null ? InventoryReader.readBoth(s.inventory().folder(), w -> {})
                : InventoryReader.readBoth(s.inventory().documents()));
        Inventory inventory = read.inventory();
        List<Workspace> workspaces = given.workspaces();
        // The first batch of a live engine, as serve compiles: scenarios prove what agents receive.
        Compilation compiled = FullCompile.of(rules, read.objects(), workspaces);
        // As the command line does: the compile's warnings plus the cluster-safety analysis.
        Compilation c = compiled.withWarnings(ClusterSafety.warnings(compiled, inventory, workspaces))
                .withWarnings(given.unknownClusters(inventory));
        Map<String, AddressSet> sets = c.sets().stream().collect(Collectors.toMap(AddressSet::id, Function.identity()));

        List<String> diff = new ArrayList<>();
        if (s.rules() != null) {
            compareRules("rule", s.rules(), c.rules().stream().filter(r -> r.rank() != Rank.CATCHALL).toList(), sets, diff);
        }
        if (s.catchAll() != null) {
            compareRules("catch-all rule", s.catchAll(), c.rules().stream().filter(r -> r.rank() == Rank.CATCHALL).toList(), sets, diff);
        }
        s.sets().forEach((id, members) -> {
            AddressSet actual = sets.get(id);
            if (actual == null) diff.add("missing set: " + id + " " + members + " (sets in use: " + sets.keySet() + ")");
            else if (!actual.members().stream().sorted().toList().equals(members.stream().sorted().toList()))
                diff.add("set " + id + ": expected " + members + ", actual " + actual.members());
        });
        compareWarnings(s.warnings(), c.warnings(), diff);
        if (!s.matrix().isEmpty()) {
            MatrixCheck check = new MatrixCheck(Trace.of(compiled, inventory, workspaces), inventory);
            for (ExpectedMatrix m : s.matrix()) diff.addAll(check.check(m));
        }
        return new ScenarioResult(s.name(), file, diff);
    }

    private static void compareRules(String what, List<ExpectedRule> expected, List<CompiledRule> actual,
                                     Map<String, AddressSet> sets, List<String> diff) {
        LinkedList<CompiledRule> unmatched = new LinkedList<>(actual);
        for (ExpectedRule e : expected) {
            CompiledRule hit = unmatched.stream().filter(r -> e.matches(r, sets)).findFirst().orElse(null);
            if (hit == null) diff.add("missing " + what + ":    " + e);
            else unmatched.remove(hit);
        }
        for (CompiledRule r : unmatched) diff.add("unexpected " + what + ": " + describe(r, sets));
    }

    private static void compareWarnings(List<Scenario.ExpectedWarning> expected, List<Warning> actual, List<String> diff) {
        LinkedList<Warning> unmatched = new LinkedList<>(actual);
        for (Scenario.ExpectedWarning e : expected) {
            Warning hit = unmatched.stream()
                    .filter(w -> (e.policy() == null || e.policy().equals(w.policy()))
                            && (e.contains() == null || w.message().contains(e.contains())))
                    .findFirst().orElse(null);
            if (hit == null) diff.add("missing warning:    " + e);
            else unmatched.remove(hit);
        }
        for (Warning w : unmatched) diff.add("unexpected warning: " + w.policy() + ": " + w.message());
    }

    static String describe(CompiledRule r, Map<String, AddressSet> sets) {
        String peer = r.peerSet() == null ? "any" : r.peerSet()
                + (sets.containsKey(r.peerSet()) ? " " + sets.get(r.peerSet()).members() : "");
        return String.join(" ", r.workload(), r.direction().name(), r.action().name(), r.protocol().name(),
                r.ports().isEmpty() ? "-" : r.ports(), "peer " + peer
                        + (r.localSet() == null ? "" : " local " + r.localSet()), "rank " + r.rank(), "priority " + r.priority(),
                "policy " + r.policy(), "rule \"" + r.rule() + "\"");
    }
}
