package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;
import io.microseg.enforce.netns.NetnsRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link NftSessions} in real namespaces: transactions through a long-lived {@code nft -i} commit whole or not at all
 * and report nft's error; a session that dies is replaced; sessions are replaced after their transactions and ended
 * when their namespace is let go.
 */
class NftSessionsTest {
    private static final String TABLE = """
            table inet microseg {}
            delete table inet microseg
            table inet microseg {
              set a_4 {
                type ipv4_addr;
                elements = { 10.0.0.1, 10.0.0.2 }
              }
              set b_4 {
                type ipv4_addr; flags interval;
                elements = { 10.1.0.0/16 }
              }
              chain input {
                type filter hook input priority filter; policy accept;
                ip saddr @a_4 tcp dport 22 accept
              }
            }
            """;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
    private Netns netns;
    private NetnsRef ref;

    @BeforeEach
    void namespace() throws IOException {
        Netns.assumeAvailable();
        Nft.assumeAvailable();
        netns = Netns.create("session");
        ref = new NetnsRef.Named(netns.name());
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (netns != null) netns.close();
    }

    @Test
    void aTransactionCommitsWholeOrNotAtAllAndTheSessionGoesOnAfterAnError() throws Exception {
        try (NftSessions sessions = new NftSessions(CommandRunner::exec, log)) {
            assertThat(NftSession.oneLine(TABLE)).as("sent through a file").isNull();
            assertThat(sessions.run(ref, TABLE).exit()).isZero();
            long pid = sessions.pid(ref);
            assertThat(pid).isPositive();
            assertThat(sessions.run(ref, "add element inet microseg a_4 { 10.0.0.3 }\ndelete element inet microseg b_4 { 10.1.0.0/16 }\n").exit()).isZero();
            String before = list();
            assertThat(before).contains("10.0.0.3").doesNotContain("10.1.0.0/16");

            String failing = "add element inet microseg a_4 { 10.0.0.4 }\nadd rule inet microseg no_such_chain accept\n";
            assertThat(NftSession.oneLine(failing)).as("sent as one line, not through a file").isNotNull();
            CommandRunner.Result failed = sessions.run(ref, failing);
            assertThat(failed.exit()).isNotZero();
            assertThat(failed.output()).contains("No such file or directory").contains("no_such_chain");
            assertThat(list()).as("the element of the failed transaction was not added").isEqualTo(before);

            assertThat(sessions.run(ref, "delete element inet microseg a_4 { 10.0.0.3 }\n").exit()).isZero();
            assertThat(list()).doesNotContain("10.0.0.3");
            assertThat(sessions.pid(ref)).as("one session all along").isEqualTo(pid);
        }
    }

    @Test
    void aSessionThatDiesIsReplacedAtTheNextTransaction() throws Exception {
        try (NftSessions sessions = new NftSessions(CommandRunner::exec, log)) {
            assertThat(sessions.run(ref, TABLE).exit()).isZero();
            long pid = sessions.pid(ref);
            kill(pid);
            assertThat(sessions.run(ref, "add element inet microseg a_4 { 10.0.0.9 }\n").exit()).isZero();
            assertThat(sessions.pid(ref)).isPositive().isNotEqualTo(pid);
            assertThat(list()).contains("10.0.0.9");
            assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("(pid " + pid + ") has ended; a new one is started");
        }
    }

    @Test
    void aSessionIsReplacedAfterItsTransactionsAndEndedWhenItsNamespaceIsLetGo() throws Exception {
        try (NftSessions sessions = new NftSessions(CommandRunner::exec, log, 2, NftSessions.TIMEOUT)) {
            assertThat(sessions.run(ref, TABLE).exit()).isZero();
            Set<Long> pids = new HashSet<>();
            for (int i = 0; i < 12; i++) {
                String element = "10.0.1." + i;
                assertThat(sessions.run(ref, "add element inet microseg a_4 { " + element + " }\n").exit()).isZero();
                pids.add(sessions.pid(ref));
                Thread.sleep(100); // the replacement starts in the background
            }
            assertThat(pids).as("replaced after 2 to 3 transactions").hasSizeGreaterThan(2);
            assertThat(list()).contains("10.0.1.0", "10.0.1.11");

            long last = sessions.pid(ref);
            sessions.retain(List.of());
            assertThat(sessions.pid(ref)).isEqualTo(-1);
            assertThat(ProcessHandle.of(last).map(ProcessHandle::isAlive).orElse(false)).as("the session has ended").isFalse();
        }
    }

    @Test
    void aTransactionThatGetsNoAnswerInTimeIsReportedAsNotKnownAndTheSessionReplaced() throws Exception {
        try (NftSessions sessions = new NftSessions(CommandRunner::exec, log, NftSessions.MAX_TRANSACTIONS, Duration.ofSeconds(5))) {
            assertThat(sessions.run(ref, TABLE).exit()).isZero();
            long pid = sessions.pid(ref);
            // a session that hangs: stopped, it reads nothing and answers nothing
            assertThat(new ProcessBuilder("kill", "-STOP", String.valueOf(pid)).start().waitFor()).isZero();
            CommandRunner.Result r = sessions.run(ref, "add element inet microseg a_4 { 10.0.0.6 }\n");
            assertThat(r.exit()).isNotZero();
            assertThat(r.output()).contains("gave no answer within 5 s (killed)", "whether the transaction was committed is not known");
            assertThat(sessions.run(ref, "add element inet microseg a_4 { 10.0.0.7 }\n").exit()).isZero();
            assertThat(sessions.pid(ref)).isNotEqualTo(pid);
        }
    }

    private String list() throws IOException {
        return netns.must("", "nft", "list", "table", "inet", "microseg");
    }

    private static void kill(long pid) throws Exception {
        ProcessHandle p = ProcessHandle.of(pid).orElseThrow();
        p.destroyForcibly();
        p.onExit().get();
    }
}
