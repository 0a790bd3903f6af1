package io.microseg.controlplane;

/** Where a DRL rule is written: {@code rules/<file>.drl}, its first line, and its text. */
public record RuleSource(String name, String file, int line, String text) {
    public String location() {
        return file + ":" + line;
    }
}
