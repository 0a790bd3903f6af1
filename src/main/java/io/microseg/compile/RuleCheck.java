package io.microseg.compile;

import java.nio.file.Path;

/**
 * The build's DRL gate: checks {@code rules/} against the allow-list ({@link DrlCodeCheck}) and
 * compiles it into the executable model before the kie-maven-plugin does, and fails with
 * {@code rules/<file>.drl:<line>:<col>} for every error (the plugin itself reports type errors at
 * line -1, and has no allow-list).
 */
public final class RuleCheck {
    private RuleCheck() {}

    public static void main(String[] args) {
        Path folder = Path.of(args.length > 0 ? args[0] : "rules");
        DrlBuild.Result result = DrlBuild.build(folder);
        if (result.ok()) {
            System.out.println("DRL OK: " + folder);
            return;
        }
        result.problems().forEach(p -> System.err.println("DRL error: " + p));
        System.err.println(result.problems().size() + " DRL error(s) in " + folder);
        System.exit(2);
    }
}
