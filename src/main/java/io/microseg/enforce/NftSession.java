package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;
import io.microseg.enforce.netns.NetnsRef;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived {@code nft -i} process inside one network namespace, entered once ({@code nsenter --net=...},
 * {@code ip netns exec}), that runs one transaction at a time: no process per transaction, which is most of what a
 * small transaction costs (docs/scale.md).
 *
 * <p>Protocol. {@code nft -i} reads a line at a time and runs each line as one transaction, all or nothing as
 * {@code nft -f}. A script whose lines are each a whole command and that is short ({@link #oneLine}) is sent as one
 * line, its commands joined by {@code ;}; any other script is written to this session's file in a private
 * directory and sent as {@code include "<file>"}, which nft reads and commits as one transaction. Either line is
 * followed by a marker line that does not parse ({@code microseg-end-<n>}). nft prints nothing for a committed
 * transaction and its error otherwise, then the marker's syntax error, which echoes the marker: everything read
 * before the marker's own error lines is the transaction's output. How many lines the marker's error takes before
 * and after the echo is learnt at the start from two markers alone (the handshake), so that another nft version's
 * wording does not matter; a session whose handshake does not come back as expected is not used.
 *
 * <p>The thread that runs a transaction reads nft's answer itself (no reader thread to hand lines over): nft reads
 * its input a byte at a time, and every line and thread hand-off of a transaction is paid 111 times when a set every
 * pod uses changes. The timeout is kept by an {@link NftWatchdog}, which ends a session that does not answer in time.
 *
 * <p>Outcome. Exit 0 when the output is empty (committed). Anything else is reported as a failure: nft's
 * error (nothing was committed), or the session ended or gave no answer within the timeout, when the
 * transaction may or may not have been committed; the session is then {@link #broken()} and killed, and the
 * caller re-creates the table through a new session (the full script deletes whatever is there).
 *
 * <p>nft keeps every line it reads in its line-editor history, in memory, and each line costs a little more than
 * the last; the owner replaces a session after some hundreds of transactions ({@link NftSessions}). The history
 * is neither read from nor written to a file: {@code HOME} points at a directory that does not exist.
 */
final class NftSession implements AutoCloseable {
    /** The longest script sent as one line: nft reads its input a byte at a time (about a microsecond each), a file at once. */
    static final int ONE_LINE_MAX = 512;

    private final NetnsRef ns;
    private final Process process;
    private final OutputStream in;
    private final InputStream out;
    private final Path file;
    private final Duration timeout;
    private final NftWatchdog watchdog;
    private final byte[] buffer = new byte[4096];
    private int bufferStart;
    private int bufferEnd;
    private byte[] line = new byte[256];
    private int markerBefore; // lines of the marker's error before its echo
    private int markerAfter;  // and after it
    private int seq;
    private int transactions;
    private boolean broken;
    private volatile long deadline;   // System.nanoTime() by which the running transaction must be answered; 0: none runs
    private volatile boolean overdue; // the watchdog ended the process

    private NftSession(NetnsRef ns, Process process, Path file, Duration timeout, NftWatchdog watchdog) {
        this.ns = ns;
        this.process = process;
        this.in = process.getOutputStream();
        this.out = process.getInputStream();
        this.file = file;
        this.timeout = timeout;
        this.watchdog = watchdog;
    }

    /**
     * Starts {@code nft -i} in {@code ns}, its transactions' scripts going to {@code file}, and checks that it
     * answers as expected.
     *
     * @param watchdog ends the session when a transaction is not answered within {@code timeout}
     * @throws IOException when it cannot be started or does not answer the handshake (the message says what it printed)
     */
    static NftSession start(NetnsRef ns, Path file, Path home, Duration timeout, NftWatchdog watchdog) throws IOException {
        String path = file.toString();
        if (path.indexOf('"') >= 0 || path.chars().anyMatch(c -> c < 0x20) || path.contains("*") || path.contains("?") || path.contains("[")) {
            throw new IOException("cannot name " + path + " in an nft include");
        }
        ProcessBuilder pb = new ProcessBuilder(ns.command("nft", "-i")).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        NftSession s = new NftSession(ns, pb.start(), file, timeout, watchdog);
        watchdog.watch(s);
        try {
            s.handshake();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Sends two markers alone and learns how many lines each one's error takes around its echo. */
    private void handshake() throws IOException {
        arm();
        try {
            send("microseg-end-1\nmicroseg-end-2\n");
            Read first = until("microseg-end-1");
            Read between = first.found() ? until("microseg-end-2") : first;
            if (!between.found()) throw new IOException("nft -i in " + describe() + " " + endedOrSilent() + between.text());
            if (first.lines().isEmpty() || between.lines().size() < first.lines().size()) {
                throw new IOException("nft -i in " + describe() + " did not answer as expected:" + first.text() + between.text());
            }
            markerBefore = first.lines().size();
            markerAfter = between.lines().size() - markerBefore;
            seq = 2;
            if (!skip(markerAfter)) throw new IOException("nft -i in " + describe() + " " + endedOrSilent());
        } finally {
            deadline = 0;
        }
    }

    /** Runs one transaction; see the class comment for what the result means. */
    CommandRunner.Result run(String script) {
        if (broken) return new CommandRunner.Result(-1, "the nft session in " + describe() + " is broken");
        transactions++;
        String marker = "microseg-end-" + ++seq;
        arm();
        try {
            return answer(script, marker);
        } finally {
            deadline = 0;
        }
    }

    private CommandRunner.Result answer(String script, String marker) {
        try {
            String line = oneLine(script);
            if (line == null) {
                Files.writeString(file, script, StandardCharsets.UTF_8);
                line = "include \"" + file + "\"";
            }
            send(line + "\n" + marker + "\n");
        } catch (IOException e) {
            broken = true;
            return new CommandRunner.Result(-1, "could not hand the transaction to nft -i in " + describe() + ": " + e.getMessage());
        }
        Read out;
        try {
            out = until(marker);
            if (out.found() && !skip(markerAfter)) out = new Read(out.lines(), false);
        } catch (IOException e) {
            out = new Read(List.of(e.getMessage()), false);
        }
        if (!out.found() || out.lines().size() < markerBefore) {
            broken = true;
            return new CommandRunner.Result(-1, "nft -i in " + describe() + " " + endedOrSilent() + "; whether the transaction was committed is not known"
                    + out.text());
        }
        if (out.lines().size() == markerBefore) return new CommandRunner.Result(0, "");
        String output = String.join("\n", out.lines().subList(0, out.lines().size() - markerBefore)).strip();
        return new CommandRunner.Result(output.isEmpty() ? 0 : 1, output);
    }

    /**
     * {@code script} as one line of {@code nft -i} input, its commands joined by {@code ;}, or null when it cannot be
     * sent so: longer than {@link #ONE_LINE_MAX}, or a line that is not one whole command (a block that spans lines,
     * a comment, a backslash, a quote left open, a control character), or a character that is not ASCII.
     */
    static String oneLine(String script) {
        if (script.length() > ONE_LINE_MAX) return null;
        StringBuilder b = new StringBuilder(script.length() + 16);
        int depth = 0;
        boolean quoted = false;
        boolean empty = true; // the command so far is blank
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (c == '\n') {
                if (quoted || depth != 0) return null;
                if (!empty) b.append("; ");
                empty = true;
                continue;
            }
            if (c < 0x20 && c != '\t' || c == '\\' || c >= 0x7f) return null; // the line editor decodes by the locale; a file is read as is
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted) {
                if (c == '#') return null;
                if (c == '{') depth++;
                if (c == '}' && --depth < 0) return null;
            }
            if (empty && c != ' ' && c != '\t') empty = false;
            b.append(c);
        }
        if (quoted || depth != 0) return null;
        int end = b.length();
        while (end >= 2 && b.charAt(end - 2) == ';' && b.charAt(end - 1) == ' ') end -= 2;
        b.setLength(end);
        return b.isEmpty() ? null : b.toString();
    }
    /** How many transactions this session ran. */
    int transactions() {
        return transactions;
    }

    /** Whether the process has ended, or a transaction's outcome could not be read: the session is not used again. */
    boolean broken() {
        return broken || !process.isAlive();
    }

    NetnsRef ns() {
        return ns;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        broken = true;
        watchdog.forget(this);
        try {
            in.close(); // nft -i ends at the end of its input
        } catch (IOException ignored) {
            // it is gone already
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) end();
        } catch (InterruptedException e) {
            end();
            Thread.currentThread().interrupt();
        }
        try {
            out.close();
        } catch (IOException ignored) {
            // closed with the process
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // left in the agent's private directory, removed with it
        }
    }

    /** Called by the watchdog: ends the process when the running transaction is past its deadline. */
    void endIfOverdue(long now) {
        long d = deadline;
        if (d != 0 && now - d > 0 && process.isAlive()) {
            overdue = true;
            end();
        }
    }

    private void arm() {
        deadline = System.nanoTime() + timeout.toNanos() | 1; // never 0
    }

    /** Kills the process, and whatever it started, so that nothing holds its output open. */
    private void end() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private void send(String text) throws IOException {
        in.write(text.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Lines read up to a marker's echo; {@code found} false when the output ended first (the process ended or was ended). */
    private record Read(List<String> lines, boolean found) {
        /** The lines as a message's tail: nothing, or a colon and the lines. */
        String text() {
            String t = String.join("\n", lines).strip();
            return t.isEmpty() ? "" : ": " + t;
        }
    }

    /** The lines before {@code marker}'s echo. */
    private Read until(String marker) throws IOException {
        byte[] m = marker.getBytes(StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(4);
        while (true) {
            int n = readLine();
            if (n < 0) return new Read(lines, false);
            if (n == m.length && Arrays.equals(line, 0, n, m, 0, n)) return new Read(lines, true);
            lines.add(new String(line, 0, n, StandardCharsets.UTF_8));
        }
    }

    /** Reads {@code count} lines; false when the output ended first. */
    private boolean skip(int count) throws IOException {
        for (int i = 0; i < count; i++) if (readLine() < 0) return false;
        return true;
    }

    /** Reads one line of nft's output into {@link #line}, without its end; its length, or -1 at the end of the output. */
    private int readLine() throws IOException {
        int n = 0;
        while (true) {
            if (bufferStart == bufferEnd) {
                int r = out.read(buffer, 0, buffer.length);
                if (r < 0) return n > 0 ? n : -1;
                bufferStart = 0;
                bufferEnd = r;
            }
            byte b = buffer[bufferStart++];
            if (b == '\n') return n;
            if (n == line.length) line = Arrays.copyOf(line, n * 2);
            line[n++] = b;
        }
    }

    private String endedOrSilent() {
        if (overdue) return "gave no answer within " + timeout.toSeconds() + " s (killed)";
        try {
            process.waitFor(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.isAlive() ? "ended its output" : "ended with exit code " + process.exitValue();
    }

    private String describe() {
        return ns instanceof NetnsRef.Own ? "the agent's own namespace" : "netns " + ns.label();
    }
}
