package io.microseg.cli;

import io.microseg.engine.FullCompile;
import io.microseg.compile.DrlBuild;
import io.microseg.compile.DrlProblem;
import io.microseg.compile.RuleBase;
import io.microseg.compile.RuleFiles;
import io.microseg.explain.Trace;
import io.microseg.input.InputException;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.matrix.Diff;
import io.microseg.matrix.DiffEvaluation;
import io.microseg.matrix.DiffJson;
import io.microseg.matrix.DiffTable;
import io.microseg.matrix.Selection;
import io.microseg.policy.PolicyInputs;
import io.microseg.policy.Workspace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"What flips between two versions of the inputs: the --against-* folders are BEFORE (what is in force), "
                + "--inventory, --policies and --rules are AFTER (the candidate). Every flow between workloads (and to services) "
                + "whose verdict differs, with the policy and DRL rule that decided it on each side (docs/diff.md).",
                "Exit 3 with --exit-code when anything flips, for CI jobs."})
final class DiffCommand implements Callable<Integer> {
    /** The exit status of {@code --exit-code} when anything flips. */
    static final int FLIPS = 3;

    enum Format { json, table }

    @Mixin
    InputOptions input;

    @Option(names = "--rules", paramLabel = "DIR",
            description = "The DRL folder of the AFTER side (default: the rules packaged in the jar).")
    Path rules;

    @Option(names = "--against-policies", paramLabel = "DIR", required = true,
            description = "The BEFORE side's folder of Workspace documents.")
    Path againstPolicies;

    @Option(names = "--against-rules", paramLabel = "DIR",
            description = "The BEFORE side's DRL folder (default: the rules packaged in the jar).")
    Path againstRules;

    @Option(names = "--against-inventory", paramLabel = "DIR",
            description = "The BEFORE side's inventory folder (default: --inventory, the same on both sides).")
    Path againstInventory;

    @Option(names = "--port", paramLabel = "PROTO/PORT",
            description = "tcp/80, udp/53, sctp/N or icmp, repeatable (default: every port a policy or service of either side names).")
    List<String> ports;

    @Option(names = "--from", paramLabel = "QUERY", defaultValue = "*",
            description = "The sources: workloads a query selects on either side (default: every workload).")
    String from;

    @Option(names = "--to", paramLabel = "QUERY", defaultValue = "*",
            description = "The destinations: workloads and services a query selects on either side (default: all).")
    String to;

    @Option(names = "--format", defaultValue = "table",
            description = "json (every flipped flow, for tools) or table (one row per pair of groups, for people). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--exit-code", description = "Exit 3 when anything flips (0 when nothing does).")
    boolean exitCode;

    @Override
    public Integer call() {
        List<Trace.Port> parsed = ports == null ? null : ports.stream().map(Trace.Port::parse).distinct().toList();
        Selection.parse("--from", from);
        Selection.parse("--to", to);
        RuleBase after = rules == null ? RuleBase.packaged() : build("--rules", rules);
        RuleBase before = againstRules == null ? (rules == null ? after : RuleBase.packaged()) : build("--against-rules", againstRules);
        DiffEvaluation.Side a = side(input.inventory, input.policies, after);
        DiffEvaluation.Side b = side(againstInventory == null ? input.inventory : againstInventory, againstPolicies, before);
        Diff d = DiffEvaluation.evaluate(b, a, from, to, parsed == null ? DiffEvaluation.portsNamed(b, a) : parsed);
        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, java.nio.charset.StandardCharsets.UTF_8), 1 << 16);
        try {
            if (format == Format.json) DiffJson.write(d, out);
            else DiffTable.write(d, out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return exitCode && d.any() ? FLIPS : 0;
    }

    private static DiffEvaluation.Side side(Path inventory, Path policies, RuleBase rules) {
        PolicyInputs given = PolicyInputs.read(policies);
        InventoryReader.Read read = given.addTo(InventoryReader.readBoth(inventory, w -> {}));
        List<Workspace> workspaces = given.workspaces();
        return new DiffEvaluation.Side(FullCompile.of(rules, read.objects(), workspaces), read.inventory(), workspaces);
    }

    /** The DRL of a folder, built as check-rules builds it; its problems are bad input, each at rules/file.drl:line:col. */
    static RuleBase build(String option, Path folder) {
        RuleFiles files;
        try {
            files = RuleFiles.read(folder);
        } catch (IOException e) {
            throw new InputException(folder.toString(), 0, null, null, option + ": expected a folder of .drl files, cannot read it: " + e);
        }
        if (files.isEmpty()) throw new InputException(folder.toString(), 0, null, null, option + ": expected .drl files, found none");
        DrlBuild.Result built = DrlBuild.build(files);
        if (built.ok()) return built.rules();
        StringBuilder s = new StringBuilder(option + ": the DRL does not " + (built.notAllowed() ? "pass the code check" : "build") + ":");
        for (DrlProblem p : built.problems()) s.append("\n  ").append(p);
        throw new InputException(folder.toString(), 0, null, null, s.toString());
    }
}
