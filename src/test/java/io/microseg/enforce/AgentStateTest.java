package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;

import io.microseg.cli.Main;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AgentStateTest {
    static final String R1 = "{\"id\":\"r1\",\"workload\":\"pod/k/ns/a\",\"direction\":\"EGRESS\",\"action\":\"ALLOW\",\"protocol\":\"TCP\","
            + "\"ports\":\"27017\",\"peerSet\":\"s1\",\"rule\":\"x\",\"policy\":\"w/p\",\"rank\":\"DEFAULT\",\"priority\":100}";
    static final String R2 = "{\"id\":\"r2\",\"workload\":\"pod/k/ns/a\",\"direction\":\"EGRESS\",\"action\":\"DENY\",\"protocol\":\"ANY\","
            + "\"ports\":\"\",\"peerSet\":null,\"rule\":\"x\",\"policy\":\"w/catch-all\",\"rank\":\"CATCHALL\",\"priority\":0}";

    @Test
    void appliesSnapshotDeltaBookmarkAndReplace() throws Exception {
        AgentState s = new AgentState("node/k/n");
        assertThat(s.apply(event("{\"type\":\"snapshot\",\"version\":5,\"replace\":false,\"rules\":[" + R2 + "," + R1
                + "],\"sets\":[{\"id\":\"s1\",\"description\":\"d\",\"members\":[\"10.0.0.2\",\"10.0.0.1\"]}],\"workloads\":[]}"))).isTrue();
        assertThat(s.view().rules()).extracting("id").containsExactly("r1", "r2");
        assertThat(s.view().sets().get(0).members()).containsExactly("10.0.0.1", "10.0.0.2");

        assertThat(s.apply(event("{\"type\":\"delta\",\"version\":6,\"rulesAdded\":[],\"rulesRemoved\":[],\"setsAdded\":[],"
                + "\"setsRemoved\":[],\"setMembers\":[{\"set\":\"s1\",\"added\":[\"fd00::1\"],\"removed\":[\"10.0.0.2\"]}],\"workloadsAdded\":[],\"workloadsRemoved\":[]}"))).isTrue();
        assertThat(s.view().sets().get(0).members()).containsExactly("10.0.0.1", "fd00::1");

        assertThat(s.apply(event("{\"type\":\"bookmark\",\"version\":9}"))).isFalse();
        assertThat(s.version()).isEqualTo(9);

        s.apply(event("{\"type\":\"delta\",\"version\":10,\"rulesAdded\":[],\"rulesRemoved\":[\"r1\"],\"setsAdded\":[],"
                + "\"setsRemoved\":[\"s1\"],\"setMembers\":[],\"workloadsAdded\":[],\"workloadsRemoved\":[]}"));
        assertThat(s.view().rules()).extracting("id").containsExactly("r2");
        assertThat(s.view().sets()).isEmpty();

        s.apply(event("{\"type\":\"snapshot\",\"version\":3,\"replace\":true,\"rules\":[" + R1
                + "],\"sets\":[{\"id\":\"s1\",\"description\":\"d\",\"members\":[\"10.0.0.9\"]}],\"workloads\":[]}"));
        assertThat(s.view().rules()).as("replace drops what is not in the snapshot").extracting("id").containsExactly("r1");
    }

    /** The agent learns each workload's addresses from the snapshot and keeps them through deltas: upserts and removals. */
    @Test
    void holdsTheAddressesOfItsWorkloadsThroughSnapshotAndDeltas() throws Exception {
        AgentState s = new AgentState("node/k/n");
        s.apply(event("{\"type\":\"snapshot\",\"version\":1,\"replace\":false,\"rules\":[" + R1 + "],\"sets\":[{\"id\":\"s1\","
                + "\"description\":\"d\",\"members\":[]}],\"workloads\":[{\"id\":\"node/k/n\",\"addresses\":[\"192.168.1.5\"]},"
                + "{\"id\":\"pod/k/ns/a\",\"addresses\":[\"fd00::5\",\"10.244.1.5\"]},{\"id\":\"pod/k/ns/idle\",\"addresses\":[\"10.244.1.6\"]}]}"));
        assertThat(s.view().addresses()).as("every workload placed here, with or without rules").containsExactly(
                Map.entry("node/k/n", List.of("192.168.1.5")), Map.entry("pod/k/ns/a", List.of("10.244.1.5", "fd00::5")),
                Map.entry("pod/k/ns/idle", List.of("10.244.1.6")));

        String delta = "{\"type\":\"delta\",\"version\":%d,\"rulesAdded\":[],\"rulesRemoved\":[],\"setsAdded\":[],\"setsRemoved\":[],"
                + "\"setMembers\":[],\"workloadsAdded\":[%s],\"workloadsRemoved\":[%s]}";
        // pod a got a new IP on the same node; a new pod arrives without an IP yet; idle leaves
        assertThat(s.apply(event(String.format(delta, 2, "{\"id\":\"pod/k/ns/a\",\"addresses\":[\"10.244.1.50\"]},"
                + "{\"id\":\"pod/k/ns/new\",\"addresses\":[]}", "\"pod/k/ns/idle\"")))).isTrue();
        assertThat(s.view().addresses()).containsExactly(Map.entry("node/k/n", List.of("192.168.1.5")),
                Map.entry("pod/k/ns/a", List.of("10.244.1.50")), Map.entry("pod/k/ns/new", List.of()));
        // the new pod gets its IP; removing a workload not held changes nothing
        s.apply(event(String.format(delta, 3, "{\"id\":\"pod/k/ns/new\",\"addresses\":[\"10.244.1.7\"]}", "\"pod/k/ns/never\"")));
        assertThat(s.view().addresses()).containsEntry("pod/k/ns/new", List.of("10.244.1.7")).hasSize(3);
        assertThat(s.view().rules()).extracting("id").containsExactly("r1");

        // a replacing snapshot drops the workloads it does not list
        s.apply(event("{\"type\":\"snapshot\",\"version\":9,\"replace\":true,\"rules\":[],\"sets\":[],"
                + "\"workloads\":[{\"id\":\"node/k/n\",\"addresses\":[\"192.168.1.5\"]}]}"));
        assertThat(s.view().addresses()).containsOnlyKeys("node/k/n");
    }

    /**
     * The views and renders kept between deltas (sorted members updated in place, rules in order kept, sets and
     * chains taken from the last render) against fresh ones: after every random delta, the held state's view equals
     * the view of a fresh state given the same content as one snapshot, and its render through the agent's memo
     * equals a render from nothing, table by table.
     */
    @Test
    void viewsAndRendersKeptBetweenDeltasEqualFreshOnes() {
        String agent = "node/k/n";
        List<String> workloads = List.of(agent, "pod/k/ns/a", "pod/k/ns/b", "pod/k/ns/c");
        List<String> setIds = List.of("nodes:k", "s1", "s2", "s3");
        java.util.Random random = new java.util.Random(17);
        Map<String, io.microseg.controlplane.CompiledRule> rules = new java.util.LinkedHashMap<>();
        Map<String, java.util.Set<String>> sets = new java.util.TreeMap<>();
        Map<String, List<String>> placed = new java.util.TreeMap<>();
        AgentState held = new AgentState(agent);
        NftRuleset.SetMemo memo = new NftRuleset.SetMemo();
        // the node's own addresses: one that is never a member, one that is now and then (then it is one element), IPv6
        NftRuleset.Options options = new NftRuleset.Options(List.of(), List.of("10.0.0.11", "10.0.0.3", "fd00::9"));
        int next = 0;
        List<NftTable> previous = List.of();
        int known = 0;
        for (int step = 0; step < 400; step++) {
            List<io.microseg.controlplane.CompiledRule> added = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            List<io.microseg.controlplane.AddressSet> setsAdded = new ArrayList<>();
            List<String> setsRemoved = new ArrayList<>();
            List<io.microseg.controlplane.SetChange> members = new ArrayList<>();
            List<io.microseg.controlplane.Workload> moved = new ArrayList<>();
            int op = random.nextInt(10);
            if (op < 2 || rules.isEmpty()) {
                String w = workloads.get(random.nextInt(workloads.size()));
                String id = "r" + next++;
                io.microseg.controlplane.CompiledRule r = new io.microseg.controlplane.CompiledRule(id, w,
                        random.nextBoolean() ? io.microseg.policy.Direction.INGRESS : io.microseg.policy.Direction.EGRESS,
                        random.nextBoolean() ? io.microseg.policy.Action.ALLOW : io.microseg.policy.Action.DENY, io.microseg.net.Protocol.TCP,
                        String.valueOf(80 + random.nextInt(3)), setIds.get(random.nextInt(setIds.size())), null, "x", "w/p",
                        io.microseg.policy.Rank.DEFAULT, random.nextInt(50), List.of());
                added.add(r);
                rules.put(id, r);
            } else if (op < 3) {
                String id = new ArrayList<>(rules.keySet()).get(random.nextInt(rules.size()));
                removed.add(id);
                rules.remove(id);
            } else if (op < 8) {
                String id = setIds.get(random.nextInt(setIds.size()));
                List<String> in = new ArrayList<>();
                List<String> out = new ArrayList<>();
                for (int k = random.nextInt(4); k > 0; k--) in.add(member(random));
                for (int k = random.nextInt(3); k > 0; k--) out.add(member(random)); // present or not
                members.add(new io.microseg.controlplane.SetChange(id, "d", in, out));
                java.util.Set<String> m = sets.computeIfAbsent(id, k -> new java.util.LinkedHashSet<>());
                m.removeAll(out);
                m.addAll(in);
            } else if (op < 9) {
                String id = setIds.get(random.nextInt(setIds.size()));
                if (random.nextBoolean()) {
                    setsRemoved.add(id);
                    sets.remove(id);
                } else {
                    List<String> whole = List.of(member(random), member(random));
                    setsAdded.add(new io.microseg.controlplane.AddressSet(id, "d", whole));
                    sets.put(id, new java.util.LinkedHashSet<>(whole));
                }
            } else {
                String w = workloads.get(1 + random.nextInt(workloads.size() - 1));
                io.microseg.controlplane.Workload placedNow = new io.microseg.controlplane.Workload(w, List.of(member(random)));
                moved.add(placedNow);
                placed.put(w, placedNow.addresses());
            }
            held.apply(new io.microseg.controlplane.AgentEvent.Delta(step + 2, added, removed, setsAdded, setsRemoved, members, moved, List.of()));

            AgentState fresh = new AgentState(agent);
            List<io.microseg.controlplane.AddressSet> all = new ArrayList<>();
            sets.forEach((id, m) -> all.add(new io.microseg.controlplane.AddressSet(id, "d", List.copyOf(m))));
            List<io.microseg.controlplane.Workload> everywhere = new ArrayList<>();
            placed.forEach((w, a) -> everywhere.add(new io.microseg.controlplane.Workload(w, a)));
            fresh.apply(new io.microseg.controlplane.AgentEvent.Snapshot(1, true, new ArrayList<>(rules.values()), all, everywhere));

            AgentView view = held.view();
            assertThat(view).as("step %d", step).isEqualTo(fresh.view());
            List<NftTable> kept = NftRuleset.render(view, options, memo).stream().map(NftRuleset.Section::table).toList();
            List<NftTable> anew = NftRuleset.render(fresh.view(), options).stream().map(NftRuleset.Section::table).toList();
            assertThat(kept).as("step %d", step).isEqualTo(anew);
            // the element differences the memo knows (a set patched from the last render's) are the ones a plan computes
            List<NftTable.Set[]> pairs = new ArrayList<>();
            for (NftTable before : previous) {
                for (NftTable after : kept) {
                    for (NftTable.Set was : before.sets()) {
                        NftTable.Set is = after.set(was.name());
                        if (is != null && is != was && !was.interval() && !is.interval()) pairs.add(new NftTable.Set[] {was, is});
                    }
                }
            }
            for (NftTable.Set[] p : pairs) if (memo.elementDiffs().knows(p[0], p[1])) known++;
            NftPlan.ElementDiffs computed = new NftPlan.ElementDiffs();
            for (NftTable.Set[] p : pairs) {
                NftPlan.ElementDiffs.Diff d = computed.of(p[0], p[1]);
                NftPlan.ElementDiffs.Diff k = memo.elementDiffs().of(p[0], p[1]);
                assertThat(new java.util.HashSet<>(k.gone())).as("step %d, %s: gone", step, p[0].name()).isEqualTo(new java.util.HashSet<>(d.gone()));
                assertThat(new java.util.HashSet<>(k.come())).as("step %d, %s: come", step, p[0].name()).isEqualTo(new java.util.HashSet<>(d.come()));
            }
            previous = kept;
        }
        assertThat(known).as("pairs whose difference the memo knew").isPositive();
    }

    private static String member(java.util.Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> "fd00::" + (1 + random.nextInt(6));
            case 1 -> random.nextBoolean() ? "10.0.0.0/30" : "fd00::/126";
            default -> "10.0.0." + random.nextInt(8);
        };
    }

    @Test
    void aRuleLimitedToLocalAddressesKeepsItsLocalSetAndTheAgentHoldsThatSet() throws Exception {
        String limited = "{\"id\":\"r3\",\"workload\":\"node/k/n\",\"direction\":\"INGRESS\",\"action\":\"ALLOW\","
                + "\"protocol\":\"TCP\",\"ports\":\"443\",\"peerSet\":\"s1\",\"localSet\":\"loadbalancer:k/ns/web\","
                + "\"rule\":\"x\",\"policy\":\"w/p\",\"rank\":\"DEFAULT\",\"priority\":100}";
        AgentState s = new AgentState("node/k/n");
        s.apply(event("{\"type\":\"snapshot\",\"version\":1,\"replace\":false,\"rules\":[" + limited + "," + R1
                + "],\"sets\":[{\"id\":\"s1\",\"description\":\"d\",\"members\":[\"0.0.0.0/0\"]},"
                + "{\"id\":\"loadbalancer:k/ns/web\",\"description\":\"lb\",\"members\":[\"203.0.113.10\"]}],\"workloads\":[]}"));
        assertThat(s.view().rules()).extracting("id", "localSet")
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("r3", "loadbalancer:k/ns/web"),
                        org.assertj.core.groups.Tuple.tuple("r1", null));
        assertThat(s.view().sets()).extracting("id").containsExactly("loadbalancer:k/ns/web", "s1");
    }

    @Test
    void enforcerAppliesEachNamespaceOnceAndRemovesTablesOfPodsThatLeft() throws Exception {
        AgentState s = new AgentState("node/k/n");
        s.apply(event("{\"type\":\"snapshot\",\"version\":1,\"replace\":false,\"rules\":[" + R1 + "," + R2
                + "],\"sets\":[{\"id\":\"s1\",\"description\":\"d\",\"members\":[\"10.0.0.1\"]}],\"workloads\":[]}"));
        List<List<String>> calls = new ArrayList<>();
        List<String> scripts = new ArrayList<>();
        Enforcer e = new Enforcer("node/k/n", new FixedNetns(java.util.Map.of("pod/k/ns/a", "ns-a")), io.microseg.enforce.netns.PodNetns.Backoff.DEFAULT,
                List.of(new NftRuleset.Endpoint("127.0.0.1", 8080)), List.of("10.0.0.11"), false, (cmd, in) -> {
                    calls.add(cmd);
                    scripts.add(in);
                    return new CommandRunner.Result(0, "");
                }, System.err);
        assertThat(e.enforce(s.view(), 1).failed()).isZero();
        assertThat(calls).containsExactly(List.of("nft", "-f", "-"), List.of("ip", "netns", "exec", "ns-a", "nft", "-f", "-"));
        assertThat(scripts.get(0)).startsWith("# microseg netns: node").doesNotContain("flush ruleset");
        e.enforce(s.view(), 2);
        assertThat(calls).as("unchanged scripts are not applied again").hasSize(2);
        s.apply(event("{\"type\":\"snapshot\",\"version\":3,\"replace\":true,\"rules\":[],\"sets\":[],\"workloads\":[]}"));
        e.enforce(s.view(), 3);
        assertThat(calls.get(calls.size() - 1)).containsExactly("ip", "netns", "exec", "ns-a", "nft", "-f", "-");
        assertThat(scripts.get(scripts.size() - 1)).contains("delete table inet microseg");
    }

    @Test
    void enforcerListsTheNodesOwnAddressesAndKeepsTheLastGoodListingWhenAListingFails() throws Exception {
        String nodeRule = "{\"id\":\"r4\",\"workload\":\"node/k/n\",\"direction\":\"INGRESS\",\"action\":\"ALLOW\",\"protocol\":\"TCP\","
                + "\"ports\":\"30017\",\"peerSet\":\"s1\",\"rule\":\"x\",\"policy\":\"w/p\",\"rank\":\"DEFAULT\",\"priority\":100}";
        String podRule = "{\"id\":\"r5\",\"workload\":\"pod/k/ns/a\",\"direction\":\"INGRESS\",\"action\":\"ALLOW\",\"protocol\":\"TCP\","
                + "\"ports\":\"27017\",\"peerSet\":\"nodes:k\",\"rule\":\"x\",\"policy\":\"w/p\",\"rank\":\"DEFAULT\",\"priority\":100}";
        AgentState s = new AgentState("node/k/n");
        s.apply(event("{\"type\":\"snapshot\",\"version\":1,\"replace\":false,\"rules\":[" + nodeRule + "," + podRule
                + "],\"sets\":[{\"id\":\"s1\",\"description\":\"d\",\"members\":[\"10.0.0.21\"]},"
                + "{\"id\":\"nodes:k\",\"description\":\"d\",\"members\":[\"10.0.0.11\",\"10.0.0.12\"]}],\"workloads\":[]}"));
        String[] listing = {NodeAddressesTest.LISTING};
        List<List<String>> listings = new ArrayList<>();
        java.util.Map<String, String> scripts = new java.util.HashMap<>();
        Enforcer e = new Enforcer("node/k/n", new FixedNetns(java.util.Map.of("node/k/n", "ns-n", "pod/k/ns/a", "ns-a")), io.microseg.enforce.netns.PodNetns.Backoff.DEFAULT,
                List.of(new NftRuleset.Endpoint("127.0.0.1", 8080)), List.of(), false, (cmd, in) -> {
                    if (cmd.contains("addr")) {
                        listings.add(cmd);
                        return listing[0] == null ? new CommandRunner.Result(1, "Cannot open network namespace") : new CommandRunner.Result(0, listing[0]);
                    }
                    scripts.put(cmd.get(3), in);
                    return new CommandRunner.Result(0, "");
                }, System.err);
        assertThat(e.enforce(s.view(), 1).failed()).isZero();
        assertThat(listings).as("listed in the node's namespace").containsExactly(List.of("ip", "netns", "exec", "ns-n", "ip", "-j", "addr", "show"));
        assertThat(scripts.get("ns-n")).contains("set node_local_4", "elements = { 10.0.0.12, 10.244.2.1, 169.254.1.1 }",
                "elements = { fd00:10::12, fd00:244:2::1 }", "ct original ip daddr @node_local_4 jump node_port");
        assertThat(scripts.get("ns-a")).as("the pod on the node admits the node's bridge and gateway addresses as the nodes")
                .contains("elements = { 10.0.0.11, 10.0.0.12, 10.244.2.1, 169.254.1.1 }");
        assertThat(e.ownAddressesChanged()).as("listed again, unchanged").isFalse();

        listing[0] = null;
        assertThat(e.ownAddressesChanged()).isFalse();
        s.apply(event("{\"type\":\"delta\",\"version\":2,\"rulesAdded\":[],\"rulesRemoved\":[],\"setsAdded\":[],"
                + "\"setsRemoved\":[],\"setMembers\":[{\"set\":\"s1\",\"added\":[\"10.0.0.22\"],\"removed\":[]}],\"workloadsAdded\":[],\"workloadsRemoved\":[]}"));
        assertThat(e.enforce(s.view(), 2).failed()).isZero();
        assertThat(scripts.get("ns-n")).as("a failed listing keeps the last good one: only the new member is added")
                .isEqualTo("add element inet microseg " + NftRuleset.setName("s1") + "_4 { 10.0.0.22 }\n");

        listing[0] = NodeAddressesTest.LISTING.replace("10.244.2.1", "10.244.7.1");
        assertThat(e.ownAddressesChanged()).as("a new bridge address").isTrue();
    }

    @Test
    void aNodeWhoseAddressesWereNeverListedJudgesEveryDnatedConnection() throws Exception {
        AgentState s = new AgentState("node/k/n");
        s.apply(event("{\"type\":\"snapshot\",\"version\":1,\"replace\":false,\"rules\":[" + R2.replace("pod/k/ns/a", "node/k/n")
                + "],\"sets\":[],\"workloads\":[]}"));
        List<String> scripts = new ArrayList<>();
        Enforcer e = new Enforcer("node/k/n", io.microseg.enforce.netns.NetnsResolver.none(), io.microseg.enforce.netns.PodNetns.Backoff.DEFAULT, List.of(new NftRuleset.Endpoint("127.0.0.1", 8080)), List.of(), false, (cmd, in) -> {
            if (cmd.contains("addr")) return new CommandRunner.Result(1, "ip: command failed");
            scripts.add(in);
            return new CommandRunner.Result(0, "");
        }, System.err);
        assertThat(e.enforce(s.view(), 1).failed()).isZero();
        assertThat(scripts.get(0)).contains("ct status dnat jump node_port").doesNotContain("@node_local_4 jump");
    }

    @Test
    void refusesNotPreservingRulesOnAKubernetesNode() {
        assertThat(Main.run("enforce", "--server", "http://127.0.0.1:1", "--node", "demo/node-1", "--preserve-rules=false"))
                .isEqualTo(Main.BAD_INPUT);
    }

    private static io.microseg.controlplane.AgentEvent event(String line) throws Exception {
        return io.microseg.controlplane.Codec.decodeEvent(line).event();
    }
}
