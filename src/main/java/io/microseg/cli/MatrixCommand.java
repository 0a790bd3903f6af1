package io.microseg.cli;

import io.microseg.explain.Trace;
import io.microseg.matrix.Matrix;
import io.microseg.matrix.MatrixEvaluation;
import io.microseg.matrix.MatrixJson;
import io.microseg.matrix.MatrixTable;
import io.microseg.matrix.Selection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "matrix", mixinStandardHelpOptions = true,
        description = {"The reachability matrix: for every ordered pair of workloads (hosts, nodes, pods) that --from and --to"
                + " select, and every service --to selects as a destination, the verdict trace gives on each --port.",
                "Computed once per class of workloads the rules cannot tell apart, then expanded (docs/matrix.md)."})
final class MatrixCommand implements Callable<Integer> {
    enum Format { json, table }

    @Mixin
    InputOptions input;

    @Option(names = "--port", paramLabel = "PROTO/PORT", required = true,
            description = "tcp/80, udp/53, sctp/N or icmp, repeatable: the destination port as the source addresses it"
                    + " (a service's port; a node's node port).")
    List<String> ports;

    @Option(names = "--from", paramLabel = "QUERY", defaultValue = "*",
            description = "The sources: workloads a query selects, as a policy's consumer (default: every workload).")
    String from;

    @Option(names = "--to", paramLabel = "QUERY", defaultValue = "*",
            description = "The destinations: workloads and services a query selects (default: all).")
    String to;

    @Option(names = "--format", defaultValue = "table",
            description = "json (every cell, for tools) or table (one row per pair of groups, for people). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Override
    public Integer call() {
        List<Trace.Port> parsed = ports.stream().distinct().map(Trace.Port::parse).distinct().toList(); // bad input before the compile
        Selection.parse("--from", from);
        Selection.parse("--to", to);
        InputOptions.Compiled c = input.compileRules();
        Trace trace = Trace.of(c.compilation(), c.inventory(), c.workspaces());
        Matrix m = MatrixEvaluation.evaluate(trace, Selection.of("--from", from, c.inventory(), false),
                Selection.of("--to", to, c.inventory(), true), parsed);
        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        try {
            if (format == Format.json) MatrixJson.write(m, out);
            else MatrixTable.write(m, out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }
}
