package io.microseg.enforce;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which scripts {@link NftSession} sends as one line of {@code nft -i} input (one transaction, commands joined by
 * {@code ;}) and which through a file: only a short script whose every line is one whole command.
 */
class NftSessionOneLineTest {
    @Test
    void wholeCommandsAreJoinedBySemicolons() {
        assertThat(NftSession.oneLine("add element inet microseg s_4 { 10.0.0.1 }\n")).isEqualTo("add element inet microseg s_4 { 10.0.0.1 }");
        assertThat(NftSession.oneLine("delete element inet microseg s_4 { 10.0.0.1 }\n\nadd element inet microseg s_4 { 10.0.0.0/24 }\n"))
                .isEqualTo("delete element inet microseg s_4 { 10.0.0.1 }; add element inet microseg s_4 { 10.0.0.0/24 }");
        assertThat(NftSession.oneLine("add chain inet microseg w_in { comment \"a # b { c\"; }\nflush chain inet microseg w_in\n"
                + "add rule inet microseg w_in meta l4proto tcp th dport 22 drop comment \"x; y\"\n"))
                .as("braces closed on their line; a # or a brace inside quotes is text")
                .isEqualTo("add chain inet microseg w_in { comment \"a # b { c\"; }; flush chain inet microseg w_in; "
                        + "add rule inet microseg w_in meta l4proto tcp th dport 22 drop comment \"x; y\"");
    }

    @Test
    void anythingElseGoesThroughAFile() {
        assertThat(NftSession.oneLine("table inet microseg {\n  set s_4 { type ipv4_addr; }\n}\n")).as("a block over lines").isNull();
        assertThat(NftSession.oneLine("# a comment\nadd element inet microseg s_4 { 10.0.0.1 }\n")).as("a comment").isNull();
        assertThat(NftSession.oneLine("add rule inet microseg c accept comment \"open\nadd element inet microseg s_4 { 10.0.0.1 }\n"))
                .as("a quote left open").isNull();
        assertThat(NftSession.oneLine("add element inet microseg s_4 { 10.0.0.1 } \\\n")).as("a backslash").isNull();
        assertThat(NftSession.oneLine("add element inet microseg s_4 { 10.0.0.1 }\r\n")).as("a control character").isNull();
        assertThat(NftSession.oneLine("add rule inet microseg c accept comment \"café\"\n")).as("not ASCII").isNull();
        assertThat(NftSession.oneLine("add element inet microseg s_4 { 10.0.0.1 } }\n")).as("a brace closed twice").isNull();
        assertThat(NftSession.oneLine("\n\n")).as("nothing").isNull();
        String longer = "add element inet microseg s_4 { " + "10.0.0.1, ".repeat(NftSession.ONE_LINE_MAX / 10) + "10.0.0.2 }\n";
        assertThat(NftSession.oneLine(longer)).as("longer than " + NftSession.ONE_LINE_MAX).isNull();
    }
}
