package io.microseg.cli;

import io.microseg.compile.DrlBuild;
import io.microseg.compile.DrlProblem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "check-rules", mixinStandardHelpOptions = true,
        description = "Builds a folder of DRL as the server would and prints each error as rules/<file>.drl:<line>:<col>. Exit 2 on errors.")
final class CheckRulesCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", defaultValue = "rules", description = "The DRL folder (default: ${DEFAULT-VALUE}).")
    Path folder;

    @Override
    public Integer call() {
        DrlBuild.Result result = DrlBuild.build(folder);
        if (result.ok()) {
            System.out.println("rules OK: " + result.rules().kieBase().getKiePackages().stream()
                    .mapToInt(p -> p.getRules().size()).sum() + " rules in " + folder);
            return 0;
        }
        for (DrlProblem p : result.problems()) System.err.println(p);
        return Main.BAD_INPUT;
    }
}
