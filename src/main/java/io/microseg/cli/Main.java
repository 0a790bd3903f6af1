package io.microseg.cli;

import io.microseg.input.InputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code microseg} command line. Exit codes: 0 success, 1 failed scenarios, 2 bad input or usage. */
@Command(name = "microseg", mixinStandardHelpOptions = true, version = "microseg 0.1.0",
        description = "Compiles Kubernetes inventory and segmentation policies into firewall rules for every host, node and pod.",
        subcommands = {CompileCommand.class, ExplainCommand.class, TraceCommand.class, MatrixCommand.class, DiffCommand.class, TestCommand.class, CheckRulesCommand.class,
                WatchCommand.class, ServeCommand.class, HashTokenCommand.class, BenchCommand.class, BenchFeedCommand.class, BenchDumpCommand.class, BenchEnforceCommand.class, BenchWireCommand.class,
                RenderCommand.class, EnforceCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof InputException) {
                cmd.getErr().println("error: " + ex.getMessage());
                return BAD_INPUT;
            }
            throw ex;
        });
        cli.setExitCodeExceptionMapper(ex -> BAD_INPUT);
        return cli.execute(args);
    }
}
