package io.microseg.enforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.enforce.netns.CommandRunner;
import io.microseg.enforce.netns.PodNetns;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Direction;
import io.microseg.policy.Rank;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The incremental apply against the full render, in real namespaces: a random sequence of changes is applied by
 * the {@link Enforcer} (incrementally) in one set of namespaces and as fresh full scripts in another, and after
 * every step both kernels must list the same table. Also: a failed transaction leaves the previous rules in
 * force, and a table changed by someone else is found and re-created.
 */
class IncrementalNftTest {
    /**
     * The agent, named after this JVM: a test run elsewhere on the host that uninstalls an agent with {@code --netns
     * auto} scans every process, reaches these namespaces through this run's nft sessions, and deletes there every
     * table whose comment names its agent.
     */
    private static final String NODE = "node/k/n" + ProcessHandle.current().pid();
    private static final List<String> WORKLOADS = List.of(NODE, "pod/k/ns/a", "pod/k/ns/b");
    private static final List<String> SET_IDS = List.of("nodes:k", "s1", "s2", "s3", "loadbalancer:k/ns/web");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Netns> incremental = new LinkedHashMap<>();
    private final Map<String, Netns> reference = new LinkedHashMap<>();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void namespaces() throws IOException {
        Netns.assumeAvailable();
        Nft.assumeAvailable();
        for (String w : WORKLOADS) {
            incremental.put(w, Netns.create("inc"));
            reference.put(w, Netns.create("ref"));
        }
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (Netns n : incremental.values()) n.close();
        for (Netns n : reference.values()) n.close();
    }

    /**
     * A pod's egress that stops being judged after DNAT takes the node's prerouting chain and the pod's chain
     * it jumps to away in one patch: deleting the pod's chain first, while prerouting still jumps to it, is
     * refused by the kernel (EBUSY), which sent the node to a re-created table in the end-to-end test.
     */
    @Test
    void chainsThatJumpToOneAnotherAreTakenAwayInOnePatch() throws Exception {
        Nft.assumeAvailable();
        Netns.assumeAvailable();
        NftTable.Chain input = new NftTable.Chain("input", "type filter hook input priority filter; policy accept;",
                List.of("ct state established,related accept"));
        NftTable.Chain dnat = new NftTable.Chain("w_0123456789_dnat", "comment \"pod EGRESS after DNAT\"", List.of("tcp dport 8080 accept"));
        NftTable.Chain prerouting = new NftTable.Chain("prerouting", "type filter hook prerouting priority dstnat + 10; policy accept;",
                List.of("ip saddr 10.244.1.20 jump w_0123456789_dnat"));
        NftTable before = new NftTable(List.of(), "microseg test", List.of(), List.of(input, dnat, prerouting));
        NftTable after = new NftTable(List.of(), "microseg test", List.of(), List.of(input));
        try (Netns n = Netns.create("jumps")) {
            n.must(before.script(), "nft", "-f", "-");
            NftPlan plan = NftPlan.between(before, after);
            assertThat(plan).isInstanceOf(NftPlan.Patch.class);
            n.must(((NftPlan.Patch) plan).script(), "nft", "-f", "-");
            assertThat(n.must("", "nft", "list", "table", "inet", NftRuleset.TABLE)).contains("chain input")
                    .doesNotContain("prerouting", "w_0123456789_dnat");
        }
    }

    @Test
    void aRandomSequenceOfChangesAppliedIncrementallyListsAsTheFullRender() throws Exception {
        randomSequence(() -> enforcer(CommandRunner::exec));
    }

    @Test
    void theSameThroughLongLivedNftSessions() throws Exception {
        randomSequence(() -> {
            try {
                return enforcer(CommandRunner::exec, new NftSessions(CommandRunner::exec, log));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * A set of IPv4 addresses that changes by a few members at a time is patched from the last render's, its element
     * difference computed once for every namespace that uses it ({@code NftRuleset.SetMemo}), also when the node's own
     * address (one element whether or not it is a member) joins and leaves it: after every change the tables list as
     * the full render, and every namespace was patched, not re-created.
     */
    @Test
    void aSetOfAddressesPatchedFromTheLastRenderListsAsTheFullRender() throws Exception {
        Model model = new Model();
        for (String w : WORKLOADS) model.allowFrom(w, "nodes:k");
        Set<String> nodes = model.sets.computeIfAbsent("nodes:k", k -> new LinkedHashSet<>());
        for (int i = 0; i < 300; i++) nodes.add("10.1." + (i >> 8) + "." + (i & 255));
        nodes.add("10.0.0.11"); // the node's own address is a member too
        Random random = new Random(5);
        try (Enforcer enforcer = enforcer(CommandRunner::exec, new NftSessions(CommandRunner::exec, log))) {
            for (int step = 0; step < 16; step++) {
                switch (step % 4) {
                    case 1 -> { // members join
                        for (int k = 1 + random.nextInt(3); k > 0; k--) nodes.add("10.2.0." + random.nextInt(250));
                    }
                    case 2 -> { // members leave, one joins
                        List<String> all = new ArrayList<>(nodes);
                        for (int k = 1 + random.nextInt(2); k > 0; k--) nodes.remove(all.get(random.nextInt(all.size())));
                        nodes.add("10.3.0." + random.nextInt(250));
                    }
                    case 3 -> { // the node's own address leaves the members, or joins them again
                        if (!nodes.remove("10.0.0.11")) nodes.add("10.0.0.11");
                    }
                    default -> { }
                }
                AgentView view = model.view();
                Enforcer.Outcome outcome = enforcer.enforce(view, step);
                assertThat(outcome.failed()).as("step %d: %s", step, outcome.firstError()).isZero();
                applyReference(view);
                assertSameTables("step " + step);
            }
        }
        String text = logBytes.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("applied incrementally in 3 namespaces (+").doesNotContain("the incremental apply failed");
        assertThat(text.split("re-created", -1).length - 1).as("only the first apply re-creates").isEqualTo(3);
    }

    /** Two seeds, each from nothing with an agent of its own. */
    private void randomSequence(java.util.function.Supplier<Enforcer> agent) throws Exception {
        for (long seed : new long[] {1, 2}) {
            Random random = new Random(seed);
            Model model = new Model();
            Enforcer enforcer = agent.get();
            for (int step = 0; step < 40; step++) {
                int ops = 1 + random.nextInt(3);
                for (int i = 0; i < ops; i++) model.change(random);
                AgentView view = model.view();
                // now and then a replacing snapshot: what differs is re-created, what does not is left
                Enforcer.Outcome outcome = enforcer.enforce(view, step, step % 7 == 6);
                assertThat(outcome.failed()).as("seed %d step %d: %s", seed, step, outcome.firstError()).isZero();
                applyReference(view);
                assertSameTables("seed " + seed + " step " + step);
            }
            // start the next seed from nothing
            enforcer.close();
            for (String w : WORKLOADS) {
                deleteTable(incremental.get(w));
                deleteTable(reference.get(w));
            }
        }
        String text = logBytes.toString(StandardCharsets.UTF_8);
        assertThat(text).as("most applies are incremental").contains("applied incrementally in ");
        // the namespaces an apply patched are logged on one line, not one line each
        for (long version = 0; version < 40; version++) {
            String line = "microseg enforce: version " + version + ": applied incrementally in ";
            assertThat(text.split(java.util.regex.Pattern.quote(line), -1).length - 1).as("patch lines of version %d", version).isLessThanOrEqualTo(2);
        }
        assertThat(text).doesNotContain("the incremental apply failed");
    }

    /**
     * A replacing snapshot re-creates (whole, one transaction) only the tables whose content differs from what this
     * agent applied; a table someone else changed is re-created too, once the drift check saw it.
     */
    @Test
    void aReplacingSnapshotRecreatesOnlyTheTablesThatDiffer() throws Exception {
        Random random = new Random(13);
        Model model = new Model();
        for (int i = 0; i < 12; i++) model.change(random);
        for (String w : WORKLOADS) model.rule(random, w);
        List<String> scripts = java.util.Collections.synchronizedList(new ArrayList<>());
        NftTransactions oneShot = NftTransactions.oneShot(CommandRunner::exec);
        NftTransactions recording = (ns, script) -> {
            scripts.add(script);
            return oneShot.run(ns, script);
        };
        try (Enforcer enforcer = enforcer(CommandRunner::exec, recording)) {
            assertThat(enforcer.enforce(model.view(), 1, true).failed()).isZero();
            assertThat(scripts).as("the first snapshot creates every table").hasSize(WORKLOADS.size());

            scripts.clear();
            assertThat(enforcer.enforce(model.view(), 2, true).failed()).isZero();
            assertThat(scripts).as("a replacing snapshot of what is in force changes nothing").isEmpty();

            scripts.clear();
            model.rule(random, "pod/k/ns/b");
            assertThat(enforcer.enforce(model.view(), 3, true).failed()).isZero();
            assertThat(scripts).as("only the changed pod's table, re-created whole").singleElement()
                    .satisfies(script -> assertThat(script).contains("delete table inet microseg").contains("# microseg netns: pod/k/ns/b"));
            applyReference(model.view());
            assertSameTables("after a replacing snapshot");

            incremental.get("pod/k/ns/a").must("flush chain inet microseg input\n", "nft", "-f", "-");
            assertThat(enforcer.checkDrift()).isTrue();
            scripts.clear();
            assertThat(enforcer.enforce(model.view(), 4, true).failed()).isZero();
            assertThat(scripts).as("the table changed by someone else").singleElement()
                    .satisfies(script -> assertThat(script).contains("# microseg netns: pod/k/ns/a"));
            assertSameTables("after a replacing snapshot over a changed table");
        }
    }

    @Test
    void aFailedTransactionLeavesThePreviousRulesAndTheNextApplyRecreatesTheTable() throws Exception {
        Random random = new Random(7);
        Model model = new Model();
        for (int i = 0; i < 12; i++) model.change(random);
        boolean[] broken = {false};
        Enforcer enforcer = enforcer((cmd, in) -> CommandRunner.exec(cmd, broken[0] && cmd.contains("-f") ? in + "add rule inet microseg no_such_chain accept\n" : in));
        assertThat(enforcer.enforce(model.view(), 1).failed()).isZero();
        Map<String, String> before = listings(incremental);

        for (int i = 0; i < 6; i++) model.change(random);
        broken[0] = true;
        Enforcer.Outcome failed = enforcer.enforce(model.view(), 2);
        assertThat(failed.failed()).as("the incremental and the full transaction both fail").isPositive();
        assertThat(listings(incremental)).as("nothing changed in any namespace").isEqualTo(before);
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("the incremental apply failed");

        broken[0] = false;
        assertThat(enforcer.enforce(model.view(), 3).failed()).isZero();
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("re-created (first apply in this namespace)");
        applyReference(model.view());
        assertSameTables("after the failure");
    }

    @Test
    void throughSessionsAFailedTransactionLeavesThePreviousRulesToo() throws Exception {
        Random random = new Random(7);
        Model model = new Model();
        for (int i = 0; i < 12; i++) model.change(random);
        boolean[] broken = {false};
        NftSessions sessions = new NftSessions(CommandRunner::exec, log);
        NftTransactions breaking = new NftTransactions() {
            @Override
            public CommandRunner.Result run(io.microseg.enforce.netns.NetnsRef ns, String script) {
                return sessions.run(ns, broken[0] ? script + "add rule inet microseg no_such_chain accept\n" : script);
            }

            @Override
            public void close() {
                sessions.close();
            }
        };
        try (Enforcer enforcer = enforcer(CommandRunner::exec, breaking)) {
            assertThat(enforcer.enforce(model.view(), 1).failed()).isZero();
            Map<String, String> before = listings(incremental);
            for (int i = 0; i < 6; i++) model.change(random);
            broken[0] = true;
            Enforcer.Outcome failed = enforcer.enforce(model.view(), 2);
            assertThat(failed.failed()).as("the incremental and the full transaction both fail").isPositive();
            assertThat(failed.firstError()).contains("no_such_chain");
            assertThat(listings(incremental)).as("nothing changed in any namespace").isEqualTo(before);

            broken[0] = false;
            assertThat(enforcer.enforce(model.view(), 3).failed()).isZero();
            applyReference(model.view());
            assertSameTables("after the failure");
        }
    }

    @Test
    void anNftSessionThatDiesDuringAnApplyIsReplacedAndItsNamespaceApplied() throws Exception {
        Random random = new Random(5);
        Model model = new Model();
        for (int i = 0; i < 12; i++) model.change(random);
        NftSessions sessions = new NftSessions(CommandRunner::exec, log);
        io.microseg.enforce.netns.NetnsRef podA = new io.microseg.enforce.netns.NetnsRef.Named(incremental.get("pod/k/ns/a").name());
        boolean[] kill = {false};
        List<Long> killed = new ArrayList<>();
        NftTransactions killing = new NftTransactions() {
            @Override
            public CommandRunner.Result run(io.microseg.enforce.netns.NetnsRef ns, String script) {
                if (kill[0] && ns.equals(podA)) {
                    kill[0] = false;
                    long pid = sessions.pid(ns);
                    killed.add(pid);
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // without waiting: it may die while the transaction is handed over
                }
                return sessions.run(ns, script);
            }

            @Override
            public void retain(java.util.Collection<io.microseg.enforce.netns.NetnsRef> keep) {
                sessions.retain(keep);
            }

            @Override
            public void close() {
                sessions.close();
            }
        };
        try (Enforcer enforcer = enforcer(CommandRunner::exec, killing)) {
            model.rule(random, "pod/k/ns/a");
            assertThat(enforcer.enforce(model.view(), 1).failed()).isZero();
            for (int round = 0; round < 3; round++) {
                model.rule(random, "pod/k/ns/a");
                model.change(random);
                kill[0] = true;
                Enforcer.Outcome outcome = enforcer.enforce(model.view(), 2 + round);
                assertThat(outcome.failed()).as("round %d: %s", round, outcome.firstError()).isZero();
                assertThat(killed).hasSize(round + 1);
                assertThat(sessions.pid(podA)).isPositive().isNotIn(killed);
                applyReference(model.view());
                assertSameTables("after the session died, round " + round);
            }
        }
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).containsAnyOf("has ended; a new one is started", "the next transaction there starts a new nft session");
    }

    @Test
    void aTableChangedBySomeoneElseIsFoundAndRecreated() throws Exception {
        Random random = new Random(11);
        Model model = new Model();
        for (int i = 0; i < 12; i++) model.change(random);
        model.rule(random, NODE);
        Enforcer enforcer = enforcer(CommandRunner::exec);
        AgentView view = model.view();
        assertThat(enforcer.enforce(view, 1).failed()).isZero();
        applyReference(view);
        assertThat(enforcer.checkDrift()).as("nothing changed yet").isFalse();

        incremental.get(NODE).must("flush chain inet microseg input\n", "nft", "-f", "-");
        assertThat(enforcer.checkDrift()).as("a flushed chain").isTrue();
        assertThat(enforcer.enforce(view, 2).failed()).isZero();
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("re-created (the table was changed by someone else)");
        assertSameTables("after a flushed chain");

        incremental.get(NODE).must("delete table inet microseg\n", "nft", "-f", "-");
        assertThat(enforcer.checkDrift()).as("a deleted table").isTrue();
        assertThat(enforcer.enforce(view, 3).failed()).isZero();
        assertSameTables("after a deleted table");
        assertThat(enforcer.checkDrift()).isFalse();
    }

    private Enforcer enforcer(CommandRunner runner) {
        return enforcer(runner, NftTransactions.oneShot(runner));
    }

    private Enforcer enforcer(CommandRunner runner, NftTransactions transactions) {
        Map<String, String> names = new TreeMap<>();
        incremental.forEach((w, n) -> names.put(w, n.name()));
        return new Enforcer(NODE, new FixedNetns(names), PodNetns.Backoff.DEFAULT, List.of(), List.of("10.0.0.11"), false, runner, transactions, log, 2);
    }

    private void applyReference(AgentView view) throws IOException {
        var sections = NftRuleset.render(view, new NftRuleset.Options(List.of(), List.of("10.0.0.11")));
        for (String w : WORKLOADS) {
            String netns = w.equals(NODE) ? "node" : w;
            var section = sections.stream().filter(s -> s.netns().equals(netns)).findFirst();
            if (section.isPresent()) reference.get(w).must(section.get().script(), "nft", "-f", "-");
            else deleteTable(reference.get(w));
        }
    }

    private static void deleteTable(Netns n) throws IOException {
        n.must("table inet microseg {}\ndelete table inet microseg\n", "nft", "-f", "-");
    }

    private void assertSameTables(String when) throws IOException {
        Map<String, String> inc = listings(incremental);
        Map<String, String> ref = listings(reference);
        for (String w : WORKLOADS) assertThat(inc.get(w)).as("%s: %s", when, w).isEqualTo(ref.get(w));
    }

    /**
     * Each namespace's table, normalised, or "no table" when nft says there is none; any other failure to list
     * (the namespace cannot be entered, nft fails otherwise) fails the test with nft's output, never reads as "no table".
     */
    private static Map<String, String> listings(Map<String, Netns> namespaces) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (var e : namespaces.entrySet()) {
            CommandRunner.Result r = e.getValue().exec("", "nft", "-j", "list", "table", "inet", "microseg");
            if (r.exit() == 0) {
                out.put(e.getKey(), normalised(r.output()));
            } else if (r.exit() == 1 && r.output().strip().startsWith("Error: No such file or directory")) { // nft: no such table
                out.put(e.getKey(), "no table");
            } else {
                throw new IOException("cannot list table inet microseg of " + e.getKey() + " in netns " + e.getValue().name()
                        + " (exit " + r.exit() + "): " + r.output().trim());
            }
        }
        return out;
    }

    /** The listing without handles and version info, objects sorted by kind and name (rules keep their order), elements sorted. */
    static String normalised(String listing) throws IOException {
        List<JsonNode> items = new ArrayList<>();
        for (JsonNode item : JSON.readTree(listing).path("nftables")) {
            if (item.has("metainfo")) continue;
            items.add(strip(item.deepCopy()));
        }
        items.sort(Comparator.comparing(IncrementalNftTest::key));
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(items);
    }

    private static String key(JsonNode item) {
        String kind = item.fieldNames().next();
        JsonNode body = item.get(kind);
        return kind + " " + (kind.equals("rule") ? body.path("chain").asText() : body.path("name").asText());
    }

    private static JsonNode strip(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove("handle");
            o.fields().forEachRemaining(f -> strip(f.getValue()));
            JsonNode elem = o.get("elem");
            if (elem instanceof ArrayNode a) {
                List<JsonNode> sorted = new ArrayList<>();
                a.forEach(sorted::add);
                sorted.sort(Comparator.comparing(JsonNode::toString));
                a.removeAll();
                sorted.forEach(a::add);
            }
        } else if (node instanceof ArrayNode a) {
            a.forEach(IncrementalNftTest::strip);
        }
        return node;
    }

    /** An agent's rules and sets, changed at random the way deltas change them. */
    static final class Model {
        private final Map<String, CompiledRule> rules = new LinkedHashMap<>();
        private final Map<String, Set<String>> sets = new HashMap<>();
        private int next;

        void change(Random random) {
            int op = random.nextInt(10);
            if (op < 3 || rules.isEmpty()) {
                rule(random, WORKLOADS.get(random.nextInt(WORKLOADS.size())));
            } else if (op < 5) {
                List<String> ids = new ArrayList<>(rules.keySet());
                rules.remove(ids.get(random.nextInt(ids.size())));
            } else if (op < 8) {
                sets.computeIfAbsent(pick(random, SET_IDS), k -> new LinkedHashSet<>()).add(member(random));
            } else if (op < 9) {
                Set<String> members = sets.get(pick(random, SET_IDS));
                if (members != null && !members.isEmpty()) members.remove(pick(random, new ArrayList<>(members)));
            } else {
                sets.remove(pick(random, SET_IDS));
            }
        }

        /** A rule of {@code workload} that accepts TCP port 80 from the members of {@code set}. */
        void allowFrom(String workload, String set) {
            String id = "r" + next++;
            rules.put(id, new CompiledRule(id, workload, Direction.INGRESS, Action.ALLOW, Protocol.TCP, "80", set, null, "x", "w/p",
                    Rank.DEFAULT, 100, List.of()));
        }

        void rule(Random random, String workload) {
            boolean ingress = random.nextBoolean();
            Protocol protocol = pick(random, List.of(Protocol.TCP, Protocol.UDP, Protocol.ICMP, Protocol.ANY));
            String ports = protocol == Protocol.ICMP ? null : pick(random, java.util.Arrays.asList(null, "80", "1000-2000", "53"));
            String peer = random.nextInt(5) == 0 ? null : pick(random, SET_IDS.subList(0, 4));
            String local = workload.equals(NODE) && ingress && random.nextInt(3) == 0 ? "loadbalancer:k/ns/web" : null;
            String id = "r" + next++;
            rules.put(id, new CompiledRule(id, workload, ingress ? Direction.INGRESS : Direction.EGRESS,
                    random.nextInt(4) == 0 ? Action.DENY : Action.ALLOW, protocol, ports, peer, local, "x", "w/p" + random.nextInt(3),
                    pick(random, List.of(Rank.ABSOLUTE, Rank.DEFAULT)), random.nextInt(200), List.of()));
        }

        AgentView view() {
            List<AddressSet> out = new ArrayList<>();
            new TreeMap<>(sets).forEach((id, members) -> out.add(new AddressSet(id, "d", List.copyOf(members))));
            return new AgentView(NODE, new ArrayList<>(rules.values()), out, Map.of());
        }

        private static String member(Random random) {
            return switch (random.nextInt(6)) {
                case 0 -> "fd00::" + (1 + random.nextInt(8));
                case 1 -> pick(random, List.of("10.0.1.0/24", "10.0.0.0/16", "fd00::/120", "203.0.113.0/24"));
                default -> "10.0." + random.nextInt(3) + "." + (1 + random.nextInt(8));
            };
        }

        private static <T> T pick(Random random, List<T> from) {
            return from.get(random.nextInt(from.size()));
        }
    }
}
