package io.microseg.cli;

import io.microseg.compile.DrlBuild;
import io.microseg.compile.DrlProblem;
import io.microseg.compile.RuleFiles;
import io.microseg.input.InputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "check-rules", mixinStandardHelpOptions = true,
        description = {"Checks a folder of DRL as the server would before deploying it: first that it names only the rules' "
                + "vocabulary (the classes of io.microseg.facts, java.lang value types, java.util collections; no function, global "
                + "or declare), then that it builds. Prints each error as rules/<file>.drl:<line>:<col>. Exit 2 on errors.",
                "On success it prints the rule set's digest, which GET /v1/rules shows once the server runs it."})
final class CheckRulesCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", defaultValue = "rules", description = "The DRL folder (default: ${DEFAULT-VALUE}).")
    Path folder;

    @Override
    public Integer call() {
        RuleFiles files;
        try {
            files = RuleFiles.read(folder);
        } catch (IOException e) {
            throw new InputException(folder.toString(), 0, null, null, "expected a folder of .drl files, cannot read it: " + e);
        }
        if (files.isEmpty()) {
            throw new InputException(folder.toString(), 0, null, null, "expected .drl files, found none: the server refuses "
                    + "an empty rule set, which would open every firewall");
        }
        DrlBuild.Result result = DrlBuild.build(files);
        if (result.ok()) {
            System.out.println("rules OK: " + result.rules().ruleNames().size() + " rules in " + folder + " (" + result.rules().digest() + ")");
            return 0;
        }
        for (DrlProblem p : result.problems()) System.err.println(p);
        return Main.BAD_INPUT;
    }
}
