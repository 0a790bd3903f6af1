package io.microseg.enforce;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** Every line of the agent's log, written directly or through its stream, starts with an ISO-8601 UTC time. */
class AgentLogTest {
    @Test
    void linesAndStreamLinesStartWithTheUtcTime() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AgentLog log = new AgentLog(new PrintStream(out, true, StandardCharsets.UTF_8),
                Clock.fixed(Instant.parse("2026-12-02T04:12:07.5Z"), ZoneOffset.ofHours(2)));
        log.line("microseg enforce: one\ntwo");
        log.stream().println("microseg enforce: version 3: applied host: 2 rules");
        log.stream().print("partial ");
        log.stream().println("line");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
                2026-12-02T04:12:07.500Z microseg enforce: one
                2026-12-02T04:12:07.500Z two
                2026-12-02T04:12:07.500Z microseg enforce: version 3: applied host: 2 rules
                2026-12-02T04:12:07.500Z partial line
                """);
    }
}
