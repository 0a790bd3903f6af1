package io.microseg.enforce;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The agent's log: every line starts with the time it was written, ISO-8601 in UTC with milliseconds
 * ({@code 2026-12-02T04:12:07.123Z microseg enforce: ...}), so that an agent's lines can be laid next to the
 * server's and the kernel's. The runtime writes through {@link #line}; code that writes to a
 * {@link PrintStream} (the {@link Enforcer}, {@link NodeAddresses}) is given {@link #stream()}, whose lines
 * get the same prefix. Lines are written whole, never interleaved.
 */
public final class AgentLog {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final PrintStream sink;
    private final Clock clock;
    private final PrintStream stream;

    /** Lines to {@code sink}, stamped with the system clock. */
    public AgentLog(PrintStream sink) {
        this(sink, Clock.systemUTC());
    }

    public AgentLog(PrintStream sink, Clock clock) {
        this.sink = sink;
        this.clock = clock;
        this.stream = new PrintStream(new LineSplitter(), true, StandardCharsets.UTF_8);
    }

    /** Writes one message; each of its lines gets the timestamp. */
    public void line(String message) {
        String stamp = TIME.format(clock.instant()) + " ";
        StringBuilder b = new StringBuilder();
        for (String l : message.split("\r?\n", -1)) b.append(stamp).append(l).append('\n');
        synchronized (sink) {
            sink.print(b);
            sink.flush();
        }
    }

    /** A stream whose every line goes through {@link #line}. */
    public PrintStream stream() {
        return stream;
    }

    /** Collects bytes up to a newline, then writes them as one line. */
    private final class LineSplitter extends OutputStream {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                String text = pending.toString(StandardCharsets.UTF_8);
                pending.reset();
                line(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
            } else {
                pending.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }
    }
}
