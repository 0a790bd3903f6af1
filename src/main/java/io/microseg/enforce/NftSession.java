package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;
import io.microseg.enforce.netns.NetnsRef;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived {@code nft -i} process inside one network namespace, entered once ({@code nsenter --net=...},
 * {@code ip netns exec}), that runs one transaction at a time: no process per transaction, which is most of what a
 * small transaction costs (docs/scale.md).
 *
 * <p>Protocol. Each transaction's script is written to this session's file in a private directory, and the
 * session is sent two lines: {@code include "<file>"}, which nft reads and commits as one transaction (all or
 * nothing, as {@code nft -f}), then a marker line that does not parse ({@code microseg-end-<n>}). nft prints
 * nothing for a committed transaction and its error otherwise, then the marker's syntax error, which echoes the
 * marker: everything read before the marker's own error lines is the transaction's output. How many lines the
 * marker's error takes before and after the echo is learnt at the start from two markers alone (the handshake),
 * so that another nft version's wording does not matter; a session whose handshake does not come back as
 * expected is not used.
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
    private static final String EOF = new String("end of output"); // compared by identity

    private final NetnsRef ns;
    private final Process process;
    private final OutputStream in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Path file;
    private final Duration timeout;
    private int markerBefore; // lines of the marker's error before its echo
    private int markerAfter;  // and after it
    private int seq;
    private int transactions;
    private boolean broken;

    private NftSession(NetnsRef ns, Process process, Path file, Duration timeout) {
        this.ns = ns;
        this.process = process;
        this.in = process.getOutputStream();
        this.file = file;
        this.timeout = timeout;
        Thread reader = new Thread(this::read, "microseg-nft-session-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code nft -i} in {@code ns}, its transactions' scripts going to {@code file}, and checks that it
     * answers as expected.
     *
     * @throws IOException when it cannot be started or does not answer the handshake (the message says what it printed)
     */
    static NftSession start(NetnsRef ns, Path file, Path home, Duration timeout) throws IOException {
        String path = file.toString();
        if (path.indexOf('"') >= 0 || path.chars().anyMatch(c -> c < 0x20) || path.contains("*") || path.contains("?") || path.contains("[")) {
            throw new IOException("cannot name " + path + " in an nft include");
        }
        ProcessBuilder pb = new ProcessBuilder(ns.command("nft", "-i")).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        NftSession s = new NftSession(ns, pb.start(), file, timeout);
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
    }

    /** Runs one transaction; see the class comment for what the result means. */
    CommandRunner.Result run(String script) {
        if (broken) return new CommandRunner.Result(-1, "the nft session in " + describe() + " is broken");
        transactions++;
        String marker = "microseg-end-" + ++seq;
        try {
            Files.writeString(file, script, StandardCharsets.UTF_8);
            send("include \"" + file + "\"\n" + marker + "\n");
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
        String output = String.join("\n", out.lines().subList(0, out.lines().size() - markerBefore)).strip();
        return new CommandRunner.Result(output.isEmpty() ? 0 : 1, output);
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
        try {
            in.close(); // nft -i ends at the end of its input
        } catch (IOException ignored) {
            // it is gone already
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // left in the agent's private directory, removed with it
        }
    }

    private void send(String text) throws IOException {
        in.write(text.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Lines read up to a marker's echo; {@code found} false when the output ended or the timeout passed first. */
    private record Read(List<String> lines, boolean found) {
        /** The lines as a message's tail: nothing, or a colon and the lines. */
        String text() {
            String t = String.join("\n", lines).strip();
            return t.isEmpty() ? "" : ": " + t;
        }
    }

    /** The lines before {@code marker}'s echo. */
    private Read until(String marker) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> out = new ArrayList<>();
        while (true) {
            String line = next(deadline);
            if (line == null || line == EOF) return new Read(out, false);
            if (line.equals(marker)) return new Read(out, true);
            out.add(line);
        }
    }

    /** Reads {@code count} lines; false when the output ended or the timeout passed first. */
    private boolean skip(int count) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < count; i++) {
            String line = next(deadline);
            if (line == null || line == EOF) return false;
        }
        return true;
    }

    private String next(long deadline) throws IOException {
        try {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == EOF) lines.add(EOF); // every later read sees the end too
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private String endedOrSilent() {
        if (lines.contains(EOF) || !process.isAlive()) {
            String code = process.isAlive() ? "" : " with exit code " + process.exitValue();
            return "ended" + code;
        }
        process.destroyForcibly();
        return "gave no answer within " + timeout.toSeconds() + " s (killed)";
    }

    private String describe() {
        return ns instanceof NetnsRef.Own ? "the agent's own namespace" : "netns " + ns.label();
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) lines.add(line);
        } catch (IOException ignored) {
            // the process is gone: the end of its output
        }
        lines.add(EOF);
    }
}
