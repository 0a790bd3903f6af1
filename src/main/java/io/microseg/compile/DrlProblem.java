package io.microseg.compile;

/**
 * One error in the DRL, located for the person who wrote it: {@code rules/<file>.drl:<line>:<col>},
 * the rule it is in (null when outside any rule), and a plain message.
 */
public record DrlProblem(String file, int line, int column, String rule, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + (rule == null ? "" : "rule \"" + rule + "\": ") + message;
    }
}
