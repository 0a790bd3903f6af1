package io.microseg.enforce;

import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.net.AddressIntervals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Renders an agent's rules as nftables scripts, one per network namespace: the agent's own (its node
 * or host, marker {@code # microseg netns: node} or {@code host}) and one per pod placed on it (marker
 * {@code # microseg netns: pod/<cluster>/<namespace>/<name>}). Each script is complete on its own for
 * {@code nft -f}: it declares, deletes and re-creates {@code table inet microseg} in one transaction,
 * so it is applied atomically and never touches any other table (kube-proxy's, the CNI's).
 *
 * <p>Inside the table: one named set per address set and family ({@code s_<hash>_4} of type
 * {@code ipv4_addr}, its twin {@code s_<hash>_6} of type {@code ipv6_addr}, both {@code flags interval} (no {@code auto-merge}: see {@link NftTable.Set}),
 * a comment naming the set id; a member covered by another, such as an address inside a CIDR, is left
 * out, as nftables refuses overlapping intervals), one chain per workload and direction
 * ({@code w_<hash>_in}, {@code w_<hash>_out}) holding the rules in evaluation order and ending with the
 * catch-all (a ClusterNetworkPolicy tier's rules in a chain of their own it jumps to, so that Pass is
 * {@code return}), and base chains {@code input} (INGRESS), {@code output} (EGRESS) and, on a node,
 * {@code forward}. Base chains first accept established/related traffic, loopback, IPv6 neighbour
 * discovery and (in the agent's own namespace) the connections to the microseg servers, then jump to the
 * workload's chain. A rule's peer set matches the source (INGRESS) or destination (EGRESS) address, its
 * local set the other one. An audited DENY ({@link CompiledRule#audited}) counts and logs instead of
 * dropping ({@code counter log prefix "microseg <rule id> "}) and has no verdict: the next rule decides.
 *
 * <p>On a node, the node's own addresses ({@link Options#ownAddresses}) join the set
 * {@code nodes:<cluster>} in the node's script and in its pods' scripts: a node-port connection that
 * kube-proxy DNATs to a backend on this node is masqueraded with the address of the pod-side interface
 * (a CNI bridge or gateway address), not with the InternalIP the inventory knows.
 *
 * <p>The node's {@code forward} chain judges the connections kube-proxy DNATed on this node whose
 * conntrack original destination is one of the node's own addresses (node ports) or in the local set
 * of one of the node's INGRESS rules (load-balancer addresses): prerouting DNAT happens before the
 * input and forward hooks, so such a connection passes the forward hook with the backend as its
 * destination. Chain {@code node_port} first applies the node's INGRESS rules to the original
 * destination and port ({@code ct original proto-dst}, {@code ct original ip daddr}) and the source as
 * it came (a source in no consumer set meets the catch-all and is dropped at the node), then the node's
 * EGRESS rules to the forwarding. When the node's own addresses are not known (the agent could not list
 * them yet) every DNATed connection is judged so, which fails closed. Everything else the node forwards
 * (pod to pod, pod to ClusterIP, traffic to and from other nodes' pods) is judged by the pods' own
 * chains in their namespaces, so the node's catch-all does not cut pod traffic.
 *
 * <p>A pod's EGRESS rules judged after DNAT ({@link CompiledRule#afterDnat}, a NetworkPolicy's egress) are
 * enforced in its node's namespace: kube-proxy DNATs the pod's service traffic there, in prerouting, and
 * the pod's own namespace still sees the ClusterIP. The pod's EGRESS chain holds its rules up to the first
 * such rule, then accepts; the node's table holds the rest in chain {@code w_<hash>_dnat}, reached from
 * base chain {@code prerouting} (priority {@code dstnat + 10}, after kube-proxy's DNAT) by the pod's source
 * addresses. There the rules judged after DNAT match the packet's destination and port (the backend and
 * its target port) and the others the conntrack original ones ({@code ct original ip daddr},
 * {@code ct original proto-dst}), which are what the pod sent: the evaluation order is the pod's, each
 * rule seeing the destination it is defined on.
 */
public final class NftRuleset {
    public static final String TABLE = "microseg";

    /**
     * Where the agent's servers are (its own connection to each is accepted before any rule), and the agent's
     * own addresses; {@code ownAddressesKnown} false when a node's agent could not list them yet.
     */
    public record Options(List<Endpoint> servers, List<String> ownAddresses, boolean ownAddressesKnown) {
        public Options {
            servers = List.copyOf(servers);
            ownAddresses = List.copyOf(ownAddresses);
        }

        public Options(List<Endpoint> servers, List<String> ownAddresses) {
            this(servers, ownAddresses, true);
        }

        public static Options none() {
            return new Options(List.of(), List.of());
        }
    }

    /** A server's address (an IPv4 or IPv6 literal) and TCP port. */
    public record Endpoint(String address, int port) {
        public Endpoint {
            if (!io.microseg.net.Addresses.isAddress(address)) {
                throw new IllegalArgumentException("server address: expected an IPv4 or IPv6 address, found '" + address + "'");
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException("server port: expected 1 to 65535, found " + port);
        }
    }

    /** One network namespace's table: {@code netns} is {@code node}, {@code host} or a pod's id. */
    public record Section(String netns, List<String> workloads, NftTable table) {
        public Section {
            workloads = List.copyOf(workloads);
        }

        /** The complete script that re-creates the table. */
        public String script() {
            return table.script();
        }

        public boolean own() {
            return !netns.startsWith("pod/");
        }
    }

    private NftRuleset() {}

    /**
     * The section (one network namespace's table) that holds {@code workload}'s rules on {@code agent}: a pod's
     * own ({@code pod/...}), or the agent's own namespace, named {@code node} or {@code host}.
     */
    public static String sectionOf(String agent, String workload) {
        if (workload.startsWith("pod/")) return workload;
        return agent.startsWith("host/") ? "host" : "node";
    }

    public static List<Section> render(AgentView view, Options options) {
        return render(view, options, new SetMemo());
    }

    /**
     * What the last render computed, kept by an agent between renders so that a delta costs what it changes:
     * <ul>
     *   <li>each address set's nft sets, taken again while its members are the same ({@link AddressIntervals#uncovered}
     *       over thousands of members is a set's main cost), so that every namespace's table holds the same set
     *       objects and a change of a set 110 pods use is computed once ({@link NftPlan.ElementDiffs});</li>
     *   <li>each namespace's chains, declarations and the names of the sets it uses, taken again while that
     *       namespace's rules (and for the agent's own namespace, the rules judged there after DNAT, the workloads'
     *       addresses and the options) are the same: a member change renders no chain, a rule change of one pod
     *       renders that pod's chains only.</li>
     * </ul>
     * The tables rendered are the same as without it (every entry is checked against what it was computed from).
     * For one agent, on one thread at a time.
     */
    public static final class SetMemo {
        /**
         * An address set's nft sets as one render computed them. {@code plain}, when every member is an IPv4 address
         * in canonical text (then the IPv4 set's elements are the members, in order, and the node's own IPv4 addresses
         * that are not members): each member's stamp of the last render that held it, handed on to the next entry of
         * the set, which finds the members that joined and left by text in one pass instead of computing the set again.
         */
        private static final class Entry {
            final List<String> members;
            final List<String> own;
            final List<NftTable.Set> sets;
            Plain plain;

            Entry(List<String> members, List<String> own, List<NftTable.Set> sets, Plain plain) {
                this.members = members;
                this.own = own;
                this.sets = sets;
                this.plain = plain;
            }
        }

        private static final class Plain {
            final Map<String, Integer> stamps;
            int stamp;

            Plain(List<String> members) {
                stamps = new HashMap<>(members.size() * 2);
                for (String m : members) stamps.put(m, 0);
            }
        }

        private Map<String, Entry> last = new HashMap<>();
        private Map<String, Entry> now = new HashMap<>();
        private NftPlan.ElementDiffs diffs = new NftPlan.ElementDiffs();
        private record Keyed(FrameKey key, Frame frame) {}

        private Map<String, Keyed> lastFrames = new HashMap<>(); // by namespace
        private Map<String, Keyed> nowFrames = new HashMap<>();

        /**
         * The two nft sets (IPv4, IPv6) of address set {@code s}, with {@code own} (the node's own addresses) added when
         * not empty; computed once per render, and taken from the last render when its members are the same. A set of
         * IPv4 addresses in canonical text whose members changed is patched from the last render's: its new IPv4 set is
         * the members and the own addresses that are not members, and what joined and left is kept as that set's
         * element difference ({@link #elementDiffs}), so that the plan of each namespace need not compute it.
         */
        List<NftTable.Set> of(AddressSet s, List<String> own) {
            Entry e = now.get(s.id());
            if (e == null) {
                e = entry(s, own, last.get(s.id()));
                now.put(s.id(), e);
            }
            return e.sets;
        }

        /**
         * The element differences this memo's last render knows (a plain set patched from the one before it), for
         * the plans of that render's tables; any other pair is computed by the plan, once per render.
         */
        public NftPlan.ElementDiffs elementDiffs() {
            return diffs;
        }

        private Entry entry(AddressSet s, List<String> own, Entry before) {
            if (before != null && before.own.equals(own)) {
                if (before.members.equals(s.members())) return before;
                if (before.plain != null) {
                    Entry patched = patched(s, own, before);
                    if (patched != null) return patched;
                }
            }
            List<String> members = new ArrayList<>(s.members());
            members.addAll(own);
            String comment = comment(s.id(), own);
            String name = setName(s.id());
            List<NftTable.Set> sets = List.of(
                    set(name + "_4", "ipv4_addr", comment, members.stream().filter(m -> !m.contains(":")).toList()),
                    set(name + "_6", "ipv6_addr", comment, members.stream().filter(m -> m.contains(":")).toList()));
            return new Entry(s.members(), own, sets, plain(s.members()) ? new Plain(s.members()) : null);
        }

        /**
         * {@code s}'s sets patched from {@code before}'s, which was plain; null when they cannot be (a member joined
         * that is not an IPv4 address in canonical text, a member is listed twice, an own IPv4 address is not in
         * canonical text): then they are computed whole. Takes {@code before}'s stamps over.
         */
        private Entry patched(AddressSet s, List<String> own, Entry before) {
            Plain plain = before.plain;
            before.plain = null; // handed on, or dropped when this fails half-way: no later entry trusts it then
            Integer stamp = ++plain.stamp;
            List<String> come = new ArrayList<>();
            for (String m : s.members()) {
                if (plain.stamps.put(m, stamp) == null) {
                    if (!AddressIntervals.isDottedQuad(m)) return null;
                    come.add(m);
                }
            }
            // the members stamped now are the new members; the others left (a pass without hashing)
            List<String> gone = new ArrayList<>();
            for (var it = plain.stamps.entrySet().iterator(); it.hasNext(); ) {
                var m = it.next();
                if (m.getValue().intValue() != stamp) {
                    gone.add(m.getKey());
                    it.remove();
                }
            }
            if (plain.stamps.size() != s.members().size()) return null; // a member listed twice
            // the node's own IPv4 addresses that are not members follow the members, as in the set computed whole
            List<String> elements = new ArrayList<>(s.members().size() + own.size());
            elements.addAll(s.members());
            java.util.Set<String> ownV4 = new java.util.HashSet<>();
            for (String o : own) {
                if (o.contains(":")) continue;
                if (!AddressIntervals.isDottedQuad(o)) return null;
                if (ownV4.add(o) && !plain.stamps.containsKey(o)) elements.add(o);
            }
            NftTable.Set v4Before = before.sets.get(0);
            NftTable.Set v4 = new NftTable.Set(v4Before.name(), v4Before.type(), v4Before.comment(), elements);
            // an own address stays an element whether or not it is a member
            gone.removeIf(ownV4::contains);
            come.removeIf(ownV4::contains);
            diffs.know(v4Before, v4, gone, come);
            // the IPv6 set holds the own IPv6 addresses only, which are the same: the same set
            return new Entry(s.members(), own, List.of(v4, before.sets.get(1)), plain);
        }

        private static boolean plain(List<String> members) {
            for (String m : members) if (!AddressIntervals.isDottedQuad(m)) return false;
            return true;
        }

        private static String comment(String id, List<String> own) {
            return own.isEmpty() ? id : id + " and this node's own addresses";
        }

        /** The frame rendered from {@code key} (everything it depends on), from the last render when it had the same key. */
        Frame frame(FrameKey key, java.util.function.Supplier<Frame> render) {
            Keyed before = lastFrames.get(key.netns());
            Keyed now = before != null && before.key().equals(key) ? before : new Keyed(key, render.get());
            nowFrames.put(key.netns(), now);
            return now.frame();
        }

        /** Starts a render: the element differences it knows are its own. */
        void begin() {
            diffs = new NftPlan.ElementDiffs();
        }

        /** Ends a render: what it computed is what the next one starts from. */
        void done() {
            last = now;
            now = new HashMap<>();
            lastFrames = nowFrames;
            nowFrames = new HashMap<>();
        }
    }

    /**
     * A namespace's table without its address sets: what its rules alone decide. {@code used} names the address
     * sets its rules use (their nft sets come from {@link SetMemo#of}), {@code local} the sets of the node's own
     * addresses (the node's forward chain only).
     */
    private record Frame(List<String> workloads, List<String> preamble, String comment, List<String> used, List<NftTable.Set> local,
                         List<NftTable.Chain> chains) {}

    /** Everything a namespace's {@link Frame} is rendered from. */
    private record FrameKey(String agent, String netns, List<CompiledRule> rules, Object ownInputs) {}

    /** {@link #render(AgentView, Options)}, reusing the sets of the last render through {@code memo}. */
    public static List<Section> render(AgentView view, Options options, SetMemo memo) {
        memo.begin();
        String own = sectionOf(view.agent(), view.agent());
        Map<String, List<CompiledRule>> byNetns = byNetns(view, own);
        Map<String, List<CompiledRule>> afterDnat = own.equals("node") ? afterDnat(view.rules()) : Map.of();
        Map<String, AddressSet> sets = byId(view.sets());
        String nodesOfMyCluster = view.agent().startsWith("node/") ? AddressSet.nodesOf(view.agent().split("/")[1]) : null;
        List<Section> out = new ArrayList<>(byNetns.size());
        for (var e : byNetns.entrySet()) {
            out.add(section(view, options, memo, own, e.getKey(), e.getValue(), afterDnat, sets, nodesOfMyCluster));
        }
        memo.done();
        return out;
    }

    /** The rules by the section that holds them, the agent's own section first (also without rules). */
    private static Map<String, List<CompiledRule>> byNetns(AgentView view, String own) {
        Map<String, List<CompiledRule>> byNetns = new LinkedHashMap<>();
        byNetns.put(own, new ArrayList<>());
        for (CompiledRule r : view.rules()) {
            String ns = sectionOf(view.agent(), r.workload());
            List<CompiledRule> rules = byNetns.get(ns);
            if (rules == null) byNetns.put(ns, rules = new ArrayList<>());
            rules.add(r);
        }
        return byNetns;
    }

    private static Map<String, AddressSet> byId(List<AddressSet> sets) {
        Map<String, AddressSet> out = new HashMap<>();
        for (AddressSet s : sets) out.put(s.id(), s);
        return out;
    }

    /**
     * One namespace's section: its frame (from the memo while its rules are the same) and the nft sets its rules use
     * (from the memo, the same objects in every namespace). A method of its own, not the loop's body in
     * {@link #render}: the JIT compiles that loop with what it calls inlined, and a small loop compiles fast.
     */
    private static Section section(AgentView view, Options options, SetMemo memo, String own, String netns, List<CompiledRule> rules,
                                   Map<String, List<CompiledRule>> afterDnat, Map<String, AddressSet> sets, String nodesOfMyCluster) {
        boolean isOwn = netns.equals(own);
        boolean forward = own.equals("node") && isOwn;
        // the own namespace's table also depends on the servers, the node's own addresses and, on a node, on the
        // pods' rules judged there after DNAT and their addresses
        Object ownInputs = isOwn ? List.of(options, forward ? afterDnat : Map.of(), forward && !afterDnat.isEmpty() ? view.addresses() : Map.of())
                : null;
        Frame frame = memo.frame(new FrameKey(view.agent(), netns, rules, ownInputs),
                () -> frame(view.agent(), netns, isOwn, forward, rules, afterDnat, view.addresses(), options));
        List<NftTable.Set> nftSets = new ArrayList<>(frame.used().size() * 2 + frame.local().size());
        for (String id : frame.used()) {
            AddressSet s = sets.get(id);
            if (s == null) s = new AddressSet(id, "", List.of());
            nftSets.addAll(memo.of(s, id.equals(nodesOfMyCluster) ? options.ownAddresses() : List.of()));
        }
        nftSets.addAll(frame.local());
        return new Section(netns, frame.workloads(), new NftTable(frame.preamble(), frame.comment(), nftSets, frame.chains()));
    }

    /**
     * Per pod with EGRESS rules judged after DNAT: its EGRESS rules from the first of them on, in evaluation
     * order (the part its node enforces after kube-proxy's DNAT).
     */
    static Map<String, List<CompiledRule>> afterDnat(List<CompiledRule> rules) {
        Map<String, List<CompiledRule>> out = new LinkedHashMap<>();
        for (CompiledRule r : rules) {
            if (r.ingress() || !r.workload().startsWith("pod/")) continue;
            List<CompiledRule> tail = out.get(r.workload());
            if (tail == null && r.afterDnat()) out.put(r.workload(), tail = new ArrayList<>());
            if (tail != null) tail.add(r);
        }
        return out;
    }

    /** All sections as one text, in order, each starting with its marker line. */
    public static String renderText(AgentView view, Options options) {
        StringBuilder b = new StringBuilder();
        for (Section s : render(view, options)) b.append(s.script()).append('\n');
        return b.toString();
    }

    private static Frame frame(String agent, String netns, boolean own, boolean forward, List<CompiledRule> rules,
                               Map<String, List<CompiledRule>> afterDnat, Map<String, List<String>> addresses, Options options) {
        List<String> workloads = rules.stream().map(CompiledRule::workload).distinct().toList();
        if (own && workloads.isEmpty()) workloads = List.of(agent);
        List<String> preamble = List.of("# microseg netns: " + netns, "# agent " + agent + "; workloads: " + String.join(", ", workloads));

        TreeSet<String> used = new TreeSet<>();
        rules.forEach(r -> used.addAll(r.sets()));
        if (forward) afterDnat.values().forEach(tail -> tail.forEach(r -> used.addAll(r.sets())));
        List<NftTable.Set> local = new ArrayList<>();
        if (forward) {
            local.add(set("node_local_4", "ipv4_addr", "the node's own addresses", options.ownAddresses().stream().filter(m -> !m.contains(":")).toList()));
            local.add(set("node_local_6", "ipv6_addr", "the node's own addresses", options.ownAddresses().stream().filter(m -> m.contains(":")).toList()));
        }

        List<NftTable.Chain> chains = new ArrayList<>();
        Map<String, String> inChains = new LinkedHashMap<>();
        Map<String, String> outChains = new LinkedHashMap<>();
        for (String w : workloads) {
            String base = "w_" + hash(w);
            inChains.put(w, base + "_in");
            outChains.put(w, base + "_out");
            chains.addAll(chain(base + "_in", w + " INGRESS", rules.stream().filter(r -> r.workload().equals(w) && r.ingress()).toList(),
                    r -> false, List.of()));
            List<CompiledRule> egress = rules.stream().filter(r -> r.workload().equals(w) && !r.ingress()).toList();
            List<CompiledRule> onNode = afterDnat.get(w);
            if (onNode == null) {
                chains.addAll(chain(base + "_out", w + " EGRESS", egress, r -> false, List.of()));
            } else {
                chains.addAll(chain(base + "_out", w + " EGRESS", egress.subList(0, egress.size() - onNode.size()), r -> false,
                        List.of("accept comment " + quote("the rest from rule " + onNode.get(0).id() + " on is judged by the node after DNAT"))));
            }
        }

        List<String> input = golden("iif");
        if (own) {
            // the server's side of the agent's own connection, also when conntrack did not see it start (no
            // conntrack user in this namespace before the first table): anything but a new connection
            for (Endpoint server : options.servers().stream().distinct().toList()) {
                String fam = server.address().contains(":") ? "ip6" : "ip";
                input.add(fam + " saddr " + server.address() + " tcp sport " + server.port()
                        + " tcp flags & (syn | ack) != syn accept comment \"the microseg server\"");
            }
        }
        for (String c : inChains.values()) input.add("jump " + c);
        chains.add(new NftTable.Chain("input", "type filter hook input priority filter; policy accept;", input));

        List<String> output = golden("oif");
        if (own) {
            for (Endpoint server : options.servers().stream().distinct().toList()) {
                String fam = server.address().contains(":") ? "ip6" : "ip";
                output.add(fam + " daddr " + server.address() + " tcp dport " + server.port() + " accept comment \"the microseg server\"");
            }
        }
        for (String c : outChains.values()) output.add("jump " + c);
        chains.add(new NftTable.Chain("output", "type filter hook output priority filter; policy accept;", output));

        if (forward) forward(chains, agent, rules, outChains.getOrDefault(agent, "w_" + hash(agent) + "_out"), options);
        if (forward && !afterDnat.isEmpty()) prerouting(chains, afterDnat, addresses);
        return new Frame(workloads, preamble, "microseg " + agent + " netns " + netns, List.copyOf(used), List.copyOf(local), List.copyOf(chains));
    }

    /**
     * The node's {@code node_port} and {@code forward} chains: the node's INGRESS rules on the original
     * destination of a connection DNATed here, an ALLOW going on to the node's EGRESS chain {@code out}
     * (the forwarding), as does a connection no INGRESS rule decides.
     */
    private static void forward(List<NftTable.Chain> chains, String node, List<CompiledRule> rules, String out, Options options) {
        List<CompiledRule> ingress = rules.stream().filter(r -> r.workload().equals(node) && r.ingress()).toList();
        List<String> nodePort = new ArrayList<>();
        // ClusterNetworkPolicy rules never land on a node (their subjects are pods without hostNetwork), so no
        // tier chain is needed here; a PASS would not fall through to the rest of its tier, and drops instead.
        for (CompiledRule r : ingress) lines(nodePort, r, true, "goto " + out, "drop");
        nodePort.add("goto " + out + " comment \"no INGRESS rule decided: the node's EGRESS judges the forwarding\"");
        chains.add(new NftTable.Chain("node_port",
                "comment " + quote("connections DNATed here: the node's INGRESS on the original destination, then its EGRESS"), nodePort));

        List<String> fwd = new ArrayList<>();
        fwd.add("ct state established,related accept");
        if (!options.ownAddressesKnown()) {
            fwd.add("ct status dnat jump node_port comment \"the node's own addresses are not known yet: every DNATed connection is judged\"");
        } else {
            fwd.add("ct status dnat ct original ip daddr @node_local_4 jump node_port comment \"a node port: DNATed from the node's own address\"");
            fwd.add("ct status dnat ct original ip6 daddr @node_local_6 jump node_port comment \"a node port: DNATed from the node's own address\"");
        }
        TreeSet<String> local = new TreeSet<>();
        ingress.stream().map(CompiledRule::localSet).filter(Objects::nonNull).forEach(local::add);
        for (String id : local) {
            String comment = quote("DNATed from " + id);
            fwd.add("ct status dnat ct original ip daddr @" + setName(id) + "_4 jump node_port comment " + comment);
            fwd.add("ct status dnat ct original ip6 daddr @" + setName(id) + "_6 jump node_port comment " + comment);
        }
        chains.add(new NftTable.Chain("forward", "type filter hook forward priority filter; policy accept;", fwd));
    }

    /**
     * The node's {@code prerouting} chain, after kube-proxy's DNAT, and one chain per pod whose EGRESS rules
     * are judged after DNAT from some rule on ({@code afterDnat}): the pod's packets, known by their source
     * addresses, meet those rules there, each rule judged after DNAT on the packet's destination and port,
     * the others on the conntrack original ones (what the pod sent).
     */
    private static void prerouting(List<NftTable.Chain> chains, Map<String, List<CompiledRule>> afterDnat,
                                   Map<String, List<String>> addresses) {
        List<String> pre = new ArrayList<>();
        pre.add("ct state established,related accept");
        pre.add("icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept");
        afterDnat.forEach((pod, tail) -> {
            String name = "w_" + hash(pod) + "_dnat";
            chains.addAll(chain(name, pod + " EGRESS after DNAT", tail, r -> !r.afterDnat(), List.of()));
            List<String> ips = addresses.getOrDefault(pod, List.of());
            List<String> v4 = ips.stream().filter(a -> !a.contains(":")).toList();
            List<String> v6 = ips.stream().filter(a -> a.contains(":")).toList();
            if (!v4.isEmpty()) pre.add("ip saddr { " + String.join(", ", v4) + " } jump " + name);
            if (!v6.isEmpty()) pre.add("ip6 saddr { " + String.join(", ", v6) + " } jump " + name);
        });
        chains.add(new NftTable.Chain("prerouting", "type filter hook prerouting priority dstnat + 10; policy accept;", pre));
    }

    private static List<String> golden(String ifKey) {
        List<String> out = new ArrayList<>();
        out.add("ct state established,related accept");
        out.add(ifKey + " \"lo\" accept");
        out.add("icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept");
        return out;
    }

    private static NftTable.Set set(String name, String type, String comment, List<String> members) {
        return new NftTable.Set(name, type, comment, AddressIntervals.uncovered(members));
    }

    /**
     * A workload's chain for one direction, its rules in evaluation order, and before it the chains of its
     * ClusterNetworkPolicy tiers ({@link CompiledRule#tier()}): a tier's rules are in a chain of their own
     * ({@code <name>_admin}, {@code <name>_baseline}) that the workload's chain jumps to where the tier
     * sits, so that a PASS rule is {@code return}: it skips the rest of its tier and evaluation goes on
     * with the rule after the jump, the first of the next rank. ALLOW ({@code accept}) and DENY
     * ({@code drop}) in a tier's chain end the evaluation as anywhere else. {@code original} says which
     * rules match the conntrack original destination ({@link #lines}); {@code trailer} ends the chain.
     */
    private static List<NftTable.Chain> chain(String name, String comment, List<CompiledRule> rules,
                                              java.util.function.Predicate<CompiledRule> original, List<String> trailer) {
        List<NftTable.Chain> tiers = new ArrayList<>();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < rules.size(); ) {
            String tier = rules.get(i).tier();
            if (tier == null) {
                CompiledRule r = rules.get(i++);
                lines(out, r, original.test(r), "accept", "return");
                continue;
            }
            List<String> tierLines = new ArrayList<>();
            for (; i < rules.size() && tier.equals(rules.get(i).tier()); i++) {
                lines(tierLines, rules.get(i), original.test(rules.get(i)), "accept", "return");
            }
            tiers.add(new NftTable.Chain(name + "_" + tier, "comment " + quote(comment + ", ClusterNetworkPolicy tier "
                    + tier.toUpperCase(java.util.Locale.ROOT)), tierLines));
            out.add("jump " + name + "_" + tier);
        }
        out.addAll(trailer);
        tiers.add(new NftTable.Chain(name, "comment " + quote(comment), out));
        return tiers;
    }

    /**
     * One rule's nft lines, one per address family when it names a set: {@code original} matches the
     * conntrack original destination and port (a connection DNATed on this node) instead of the
     * packet's (for an INGRESS rule its local set, for an EGRESS rule its peer set); {@code allow} is the
     * verdict of an ALLOW rule, {@code pass} that of a PASS rule.
     */
    private static void lines(List<String> out, CompiledRule r, boolean original, String allow, String pass) {
        List<String> families = r.peerSet() == null && r.localSet() == null ? java.util.Collections.singletonList(null) : List.of("4", "6");
        for (String family : families) {
            StringBuilder line = new StringBuilder(match(r, original));
            if (family != null) {
                String ip = family.equals("4") ? "ip" : "ip6";
                boolean in = r.ingress();
                if (r.localSet() != null) {
                    line.append(original ? " ct original " : " ").append(ip).append(in ? " daddr @" : " saddr @")
                            .append(setName(r.localSet())).append('_').append(family);
                }
                if (r.peerSet() != null) {
                    // an EGRESS peer is the destination: the conntrack original one when asked (a DNATed connection)
                    line.append(original && !in ? " ct original " : " ").append(ip).append(in ? " saddr @" : " daddr @")
                            .append(setName(r.peerSet())).append('_').append(family);
                }
            }
            line.append(' ').append(r.allows() ? allow : r.passes() ? pass : r.audited() ? audit(r) : "drop");
            line.append(" comment ").append(quote(r.id() + " " + r.policy()));
            out.add(line.toString().strip().replaceAll("\\s+", " "));
        }
    }

    /**
     * The statements of an audited DENY in place of {@code drop}: count and log, and no verdict, so that the
     * next rule decides (docs/audit.md). {@link AuditCounters} reads the counters back by the log prefix.
     */
    private static String audit(CompiledRule r) {
        return "counter log prefix " + quote(AuditCounters.PREFIX + r.id() + " ");
    }

    private static String match(CompiledRule r, boolean original) {
        String ports = r.ports() == null ? "" : r.ports().trim();
        String dport = original ? " ct original proto-dst " : " th dport ";
        return switch (r.protocol()) {
            case TCP, UDP, SCTP -> "meta l4proto " + r.protocol().name().toLowerCase() + (ports.isEmpty() ? "" : dport + ports);
            case ICMP -> "meta l4proto { icmp, ipv6-icmp }";
            case ANY -> ports.isEmpty() ? "" : "meta l4proto { tcp, udp, sctp }" + dport + ports;
        };
    }

    /** The nft identifier of an address set id: {@code s_} and the first 10 hex digits of its SHA-256. */
    public static String setName(String id) {
        return "s_" + hash(id);
    }

    static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String quote(String s) {
        String clean = s.replace("\"", "'").replace("\n", " ");
        if (clean.getBytes(StandardCharsets.UTF_8).length > 120) clean = clean.substring(0, 117) + "...";
        return "\"" + clean + "\"";
    }
}
