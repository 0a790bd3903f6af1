package io.microseg.cli;

import io.microseg.compile.Compilation;
import io.microseg.compile.CompilationJson;
import io.microseg.compile.CompilationTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

@Command(name = "compile", mixinStandardHelpOptions = true,
        description = "Compiles inventory and policies into concrete rules, sets and warnings.")
final class CompileCommand implements Callable<Integer> {
    enum Format { json, table }

    @Mixin
    InputOptions input;

    @Option(names = "--format", defaultValue = "table", description = "json (the contract for tools) or table (for people). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--workload", paramLabel = "ID", description = "Only this workload's rules, the sets they use and the warnings that concern it, e.g. pod/demo/prod/web-0, node/demo/node-1, host/backup.")
    String workload;

    @Override
    public Integer call() {
        InputOptions.Compiled compiled = input.compile();
        Compilation c = compiled.compilation();
        if (workload != null) {
            compiled.requireWorkload(workload);
            c = c.only(workload);
        }
        // Streamed: the table of a large cluster, peers expanded, is hundreds of megabytes.
        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        try {
            if (format == Format.json) {
                CompilationJson.write(c, out);
                out.write('\n');
            } else {
                CompilationTable.write(c, out);
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }
}
