package io.microseg.compile;

import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.Justification;
import io.microseg.controlplane.RuleOrder;
import io.microseg.controlplane.RuleSource;
import io.microseg.controlplane.AddressSet;
import io.microseg.facts.FirewallRule;
import io.microseg.facts.GroupRule;
import io.microseg.facts.SetMember;
import io.microseg.facts.Warning;
import io.microseg.net.Addresses;
import io.microseg.policy.query.Query;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Turns the facts the rules derived into a {@link Compilation}: groups justifications of the same
 * concrete rule, gives rules stable ids, orders them as they are evaluated on a workload, and keeps
 * the sets that rules use.
 */
public final class CompilationAssembler {
    private final RuleSources sources;
    private final Map<String, Query> queries;

    public CompilationAssembler(RuleSources sources, Map<String, Query> queries) {
        this.sources = sources;
        this.queries = queries;
    }

    public Compilation assemble(Collection<FirewallRule> derived, Collection<SetMember> members, Collection<Warning> warnings) {
        Map<String, List<FirewallRule>> byId = new LinkedHashMap<>();
        for (FirewallRule f : derived) {
            byId.computeIfAbsent(idOf(f), k -> new ArrayList<>()).add(f);
        }
        Map<String, Collection<String>> bySet = new HashMap<>();
        for (SetMember m : members) bySet.computeIfAbsent(m.set(), k -> new ArrayList<>()).add(m.ip());
        return assemble(byId, bySet, warnings);
    }

    /** The same, from rules already grouped by {@link #idOf id} and members already grouped by set. */
    public Compilation assemble(Map<String, ? extends Collection<FirewallRule>> byId, Map<String, ? extends Collection<String>> members,
                                Collection<Warning> warnings) {
        List<CompiledRule> rules = new ArrayList<>(byId.size());
        byId.forEach((id, fs) -> rules.add(toRule(id, List.copyOf(fs))));
        RuleOrder.sort(rules);

        Set<String> used = rules.stream().flatMap(r -> r.sets().stream())
                .collect(Collectors.toCollection(TreeSet::new));
        return new Compilation(rules, setsOf(used, members), sortedWarnings(warnings));
    }

    /**
     * A compilation of the concrete rule facts held per workload (arrays nobody changes any more): each
     * workload's rules are made by this assembler when read ({@link WorkloadRules}), the sets their facts
     * use are kept with their members, the warnings sorted. The same compilation as {@link #assemble(Map, Map, Collection)}
     * of the same facts grouped by id.
     */
    public Compilation assembleByWorkload(Map<String, FirewallRule[]> facts, Map<String, ? extends Collection<String>> members,
                                          Collection<Warning> warnings) {
        List<WorkloadRules> rules = new ArrayList<>(facts.size());
        Set<String> used = new HashSet<>();
        // the rules are made later, on any thread: by an assembler that reads only the rules' sources
        CompilationAssembler maker = new CompilationAssembler(sources, Map.of());
        facts.forEach((workload, fs) -> {
            if (fs.length == 0) return;
            rules.add(WorkloadRules.of(workload, fs, maker));
            addSets(fs, used);
        });
        return Compilation.ofWorkloads(rules, setsOf(new TreeSet<>(used), members), sortedWarnings(warnings));
    }

    /** Adds the sets these facts' rules use (peer and local sets) to {@code into}. */
    static void addSets(FirewallRule[] facts, Collection<String> into) {
        for (FirewallRule f : facts) {
            if (f.peerSet() != null) into.add(f.peerSet());
            if (f.localSet() != null) into.add(f.localSet());
        }
    }

    private List<AddressSet> setsOf(Set<String> used, Map<String, ? extends Collection<String>> members) {
        List<AddressSet> sets = new ArrayList<>(used.size());
        for (String set : used) {
            Collection<String> held = members.get(set);
            List<String> ips = held == null ? new ArrayList<>() : Addresses.sorted(new HashSet<>(held));
            sets.add(new AddressSet(set, describe(set), ips));
        }
        return sets;
    }

    private static List<Warning> sortedWarnings(Collection<Warning> warnings) {
        return warnings.stream().distinct()
                .sorted(Comparator.comparing(Warning::policy).thenComparing(Warning::message)).toList();
    }

    /**
     * The concrete rules one workload's facts make: facts that are the same rule ({@link #sameRule}, so the
     * same {@link #idOf id}) are grouped under one id, in the order of their first fact.
     */
    public static void forEachRule(FirewallRule[] facts, BiConsumer<String, List<FirewallRule>> each) {
        if (facts.length == 1) {
            each.accept(idOf(facts[0]), List.of(facts[0]));
            return;
        }
        Map<String, List<FirewallRule>> byId = new LinkedHashMap<>();
        for (FirewallRule f : facts) byId.computeIfAbsent(idOf(f), k -> new ArrayList<>(1)).add(f);
        byId.forEach(each);
    }

    /**
     * Whether two facts are one concrete rule: the same workload and every field {@link #idOf} digests
     * (so the same id), compared without digesting.
     */
    public static boolean sameRule(FirewallRule a, FirewallRule b) {
        if (!a.workload().equals(b.workload())) return false;
        GroupRule x = a.from();
        GroupRule y = b.from();
        if (x == y) return true;
        return x.direction() == y.direction() && x.action() == y.action() && x.protocol() == y.protocol()
                && x.rank() == y.rank() && x.priority() == y.priority() && x.enforcement() == y.enforcement()
                && x.afterDnat() == y.afterDnat() && x.ports().equals(y.ports()) && Objects.equals(x.peerSet(), y.peerSet())
                && Objects.equals(x.localSet(), y.localSet()) && x.policy().equals(y.policy()) && x.rule().equals(y.rule());
    }

    /** One concrete rule from the facts that justify it (all with the same {@link #idOf id}; the same justification twice counts once). */
    public CompiledRule toRule(String id, List<FirewallRule> facts) {
        FirewallRule f = facts.get(0);
        // almost every rule has one justification: a million of them are built on a large compile
        List<Justification> why = facts.size() == 1 ? List.of(justification(f)) : facts.stream()
                .map(this::justification).distinct()
                .sorted(Comparator.comparing((Justification j) -> j.matched().toString()))
                .toList();
        return new CompiledRule(id, f.workload(), f.direction(), f.action(), f.protocol(), f.ports(), f.peerSet(),
                f.localSet(), f.rule(), f.policy(), f.rank(), f.priority(), why, f.enforcement(), f.afterDnat());
    }

    private Justification justification(FirewallRule f) {
        return new Justification(sources.find(f.rule()).orElseGet(() -> new RuleSource(f.rule(), "?", 0, "")), f.matched());
    }

    /**
     * Digest of everything that makes the rule what it is, except its justifications: the first 12 hex
     * digits of the SHA-256 of the fields' UTF-8 joined by '|'; the local set is a field only when
     * there is one, {@code audit} only for a rule of an audited workspace and {@code afterDnat} only for a
     * rule judged after DNAT, so that rules without
     * them keep their ids (and switching a workspace's enforcement replaces its rules). Encoded into a reused buffer rather
     * than joined into a string, as a large compile digests over a million rules.
     */
    public static String idOf(FirewallRule f) {
        IdDigest d = ID_DIGEST.get();
        d.start();
        d.field(f.workload()).field(f.direction().name()).field(f.action().name()).field(f.protocol().name())
                .field(f.ports()).field(String.valueOf(f.peerSet())).field(f.rank().name())
                .field(Integer.toString(f.priority())).field(f.policy()).field(f.rule());
        if (f.localSet() != null) d.field("local=" + f.localSet());
        if (f.enforcement() == io.microseg.policy.Enforcement.AUDIT) d.field("audit");
        if (f.afterDnat()) d.field("afterDnat");
        return d.hex();
    }

    private static final ThreadLocal<IdDigest> ID_DIGEST = ThreadLocal.withInitial(IdDigest::new);

    /** One SHA-256 and one buffer per thread: looking the algorithm up per rule costs more than digesting. */
    private static final class IdDigest {
        private final MessageDigest sha256;
        private byte[] buffer = new byte[512];
        private int length;

        IdDigest() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void start() {
            length = 0;
        }

        IdDigest field(String s) {
            if (length > 0) put((byte) '|');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    put((byte) c);
                } else {
                    for (byte b : s.substring(i).getBytes(StandardCharsets.UTF_8)) put(b);
                    return this;
                }
            }
            return this;
        }

        private void put(byte b) {
            if (length == buffer.length) buffer = java.util.Arrays.copyOf(buffer, length * 2);
            buffer[length++] = b;
        }

        String hex() {
            sha256.update(buffer, 0, length);
            return HexFormat.of().formatHex(sha256.digest(), 0, 6);
        }
    }

    /** What a set holds, in words: "nodes of cluster demo". */
    public String describe(String set) {
        int colon = set.indexOf(':');
        String kind = set.substring(0, colon);
        String rest = set.substring(colon + 1);
        return switch (kind) {
            case "match" -> "workloads matching: " + (queries.containsKey(set) ? queries.get(set).text() : "?");
            case "nodes" -> "nodes of cluster " + rest;
            case "clusterip" -> "ClusterIPs of service " + rest;
            case "loadbalancer" -> "load-balancer addresses of service " + rest;
            case "backends" -> {
                int c = rest.lastIndexOf(':');
                yield "pods of service " + rest.substring(0, c) + " on " + rest.substring(c + 1).replace('/', ' ').toUpperCase();
            }
            default -> set;
        };
    }
}
