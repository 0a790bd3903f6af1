package io.microseg.engine;

import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.AddressSet;
import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.facts.Warning;
import io.microseg.feed.AgentViews;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryAssembly;
import io.microseg.inventory.InventoryObject;
import io.microseg.policy.Workspace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The property everything downstream relies on: after any sequence of changes, the live session's
 * rules, sets and warnings equal a fresh compile of the same state, and the change sets it
 * published, replayed from nothing, give the same rules and sets; and a full compile through a
 * fresh engine ({@link FullCompile}, what {@code compile} and the scenarios run) gives the same too.
 * The reference is the naive {@link Compiler}: every query on every item, one fresh session.
 *
 * <p>Besides the operations, now and then a ClusterNetworkPolicy is put, removed or its source
 * replaced (a draw of their own, so that the other objects of a seed stay what they were).
 *
 * <p>Default run: 3 seeds x 800 operations. Longer: {@code -Dmicroseg.differential.seeds=20
 * -Dmicroseg.differential.ops=5000}.
 */
class IncrementalEqualsFullTest {
    private static final int OPS = Integer.getInteger("microseg.differential.ops", 800);
    private static final int CHECK_EVERY = 50;
    private static RuleBase rules;
    private static final Set<String> rulesSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final Set<String> warningsSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final Set<String> outsideSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Kinds of placement changes published: a workload placed, moved, gone, or whose addresses alone changed. */
    private static final Set<String> placementsSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * Kinds of ClusterNetworkPolicy rules that made firewall rules in checked states: tier and action,
     * subject kind, peer and protocols kind per direction ({@link RandomInventory#clusterNetworkPolicy}
     * names each rule after its kinds), and two policies of one tier and priority on one workload.
     */
    private static final Set<String> cnpSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The source ClusterNetworkPolicies come from, as from a policy file. */
    private static final String CNP_SOURCE = "file:cnp.yaml";

    @BeforeAll
    static void rules() {
        rules = RuleBase.packaged();
    }

    static LongStream seeds() {
        return LongStream.rangeClosed(1, Long.getLong("microseg.differential.seeds", 3));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void liveRulesEqualAFreshCompileOfTheSameStateAtEveryCheck(long seed) {
        RandomInventory gen = new RandomInventory(seed);
        Map<String, Map<String, InventoryObject>> sources = new TreeMap<>();
        Map<String, Workspace> workspaces = new TreeMap<>();
        Map<String, InventoryObject> cnps = new TreeMap<>();
        Replica replica = new Replica();
        try (Engine engine = new Engine(rules)) {
            engine.subscribe(replica::apply);
            engine.start();
            for (int op = 1; op <= OPS; op++) {
                if (gen.cnpInt(5) == 0) changeClusterNetworkPolicies(gen, cnps, engine);
                int r = gen.nextInt(100);
                if (r < 50) {
                    InventoryObject o = gen.anyObjectOrNetworkPolicy();
                    String source = sourceOf(o.key());
                    sources.computeIfAbsent(source, s -> new HashMap<>()).put(o.key(), o);
                    engine.submit(new Change.Put(source, o));
                } else if (r < 72) {
                    List<String> keys = sources.values().stream().flatMap(m -> m.keySet().stream()).sorted().toList();
                    if (keys.isEmpty()) continue;
                    String key = gen.pick(keys);
                    String source = sourceOf(key);
                    sources.get(source).remove(key);
                    engine.submit(new Change.Remove(source, key));
                } else if (r < 78) {
                    String source = gen.pick(List.of("a", "b"));
                    Map<String, InventoryObject> held = new HashMap<>(sources.getOrDefault(source, Map.of()));
                    List<String> keys = held.keySet().stream().sorted().toList();
                    for (int k = 0; k < keys.size(); k++) if (gen.nextInt(3) == 0) held.remove(keys.get(k));
                    for (int k = gen.nextInt(6); k > 0; k--) {
                        InventoryObject o = gen.anyObjectOrNetworkPolicy();
                        if (sourceOf(o.key()).equals(source)) held.put(o.key(), o);
                    }
                    sources.put(source, held);
                    engine.submit(new Change.Replace(source, new ArrayList<>(held.values())));
                } else if (r < 94) {
                    Workspace w = gen.workspace();
                    workspaces.put(w.name(), w);
                    engine.submit(new Change.Workspaces("ws:" + w.name(), List.of(w)));
                } else {
                    String name = "w" + gen.nextInt(3);
                    workspaces.remove(name);
                    engine.submit(new Change.Workspaces("ws:" + name, List.of()));
                }
                if (op % CHECK_EVERY == 0 || op == OPS) {
                    engine.sync().orTimeout(2, TimeUnit.MINUTES).join();
                    Snapshot snapshot = engine.snapshot();
                    Compilation live = snapshot.compilation();
                    List<InventoryObject> all = new ArrayList<>(sources.values().stream().flatMap(m -> m.values().stream()).toList());
                    all.addAll(cnps.values());
                    Inventory inventory = InventoryAssembly.assemble(all);
                    Compilation full = new Compiler(rules).compile(inventory, List.copyOf(workspaces.values()));
                    Map<String, Placement> placed = AgentViews.placements(inventory);
                    Map<String, String> fullAgents = new HashMap<>();
                    Map<String, List<String>> fullAddresses = new HashMap<>();
                    placed.forEach((w, p) -> {
                        fullAgents.put(w, p.agent());
                        fullAddresses.put(w, p.addresses());
                    });
                    assertThat(snapshot.placements()).as("placements, seed %d, after %d operations", seed, op).isEqualTo(fullAgents);
                    assertThat(snapshot.addresses()).as("addresses, seed %d, after %d operations", seed, op).isEqualTo(fullAddresses);
                    assertThat(live).as("seed %d, after %d operations", seed, op).isEqualTo(full);
                    assertThat(FullCompile.of(rules, all, List.copyOf(workspaces.values())))
                            .as("a full compile through a fresh engine, seed %d, after %d operations", seed, op).isEqualTo(full);
                    replica.assertMirrors(snapshot, "seed " + seed + ", after " + op + " operations");
                    live.rules().forEach(x -> rulesSeen.add(x.rule()));
                    live.warnings().forEach(w -> warningsSeen.add(w.message().replaceAll("^.* (is an|excludes|has no|is claimed by) .*$", "$1")));
                    live.sets().forEach(x -> x.members().stream().filter(m -> m.contains("/")).forEach(outsideSeen::add));
                    recordClusterNetworkPolicyKinds(live.rules());
                } else if (gen.nextInt(7) == 0) {
                    engine.sync().orTimeout(2, TimeUnit.MINUTES).join(); // vary batch sizes: sometimes one change, sometimes dozens
                }
            }
        }
    }

    /** Puts a new ClusterNetworkPolicy, removes one, or replaces their source with some kept and some new. */
    private static void changeClusterNetworkPolicies(RandomInventory gen, Map<String, InventoryObject> cnps, Engine engine) {
        int r = gen.cnpInt(10);
        List<String> keys = List.copyOf(cnps.keySet());
        if (r < 6 || keys.isEmpty()) {
            InventoryObject o = gen.clusterNetworkPolicy();
            cnps.put(o.key(), o);
            engine.submit(new Change.Put(CNP_SOURCE, o));
        } else if (r < 8) {
            String key = keys.get(gen.cnpInt(keys.size()));
            cnps.remove(key);
            engine.submit(new Change.Remove(CNP_SOURCE, key));
        } else {
            for (String key : keys) if (gen.cnpInt(3) == 0) cnps.remove(key);
            for (int k = gen.cnpInt(3); k > 0; k--) {
                InventoryObject o = gen.clusterNetworkPolicy();
                cnps.put(o.key(), o);
            }
            engine.submit(new Change.Replace(CNP_SOURCE, new ArrayList<>(cnps.values())));
        }
    }

    /** Records the kinds of the ClusterNetworkPolicy rules among {@code rules} ({@link #cnpSeen}). */
    private static void recordClusterNetworkPolicyKinds(List<CompiledRule> rules) {
        Map<String, Set<String>> policiesAt = new HashMap<>();
        for (CompiledRule x : rules) {
            if (!x.policy().startsWith("cnp/")) continue;
            cnpSeen.add(x.rank() + " " + x.action());
            String label = x.justifications().stream().flatMap(j -> j.matched().stream()).filter(m -> m.startsWith("rule:"))
                    .findFirst().orElseThrow(() -> new AssertionError("a ClusterNetworkPolicy rule without its rule's label: " + x));
            String[] kinds = label.substring(label.indexOf(' ') + 1).split("-"); // rule:ingress[0] ns-pods-named
            cnpSeen.add("subject " + kinds[0]);
            cnpSeen.add(x.direction() + " peer " + kinds[1]);
            cnpSeen.add(x.direction() + " protocols " + kinds[2]);
            policiesAt.computeIfAbsent(x.workload() + " " + x.direction() + " " + x.rank() + " " + x.priority() / 100, k -> new TreeSet<>())
                    .add(x.policy());
        }
        if (policiesAt.values().stream().anyMatch(p -> p.size() > 1)) cnpSeen.add("same tier and priority");
    }

    /** Objects are spread over two sources by key, so a key never has two owners. */
    private static String sourceOf(String key) {
        return (key.hashCode() & 1) == 0 ? "a" : "b";
    }

    /** What a feed client would hold after applying every change set from the start. */
    static final class Replica {
        private final Map<String, CompiledRule> rules = new HashMap<>();
        private final Map<String, Set<String>> sets = new HashMap<>();
        private final Set<Warning> warnings = new HashSet<>();
        private final Map<String, String> placements = new HashMap<>();
        private final Map<String, List<String>> addresses = new HashMap<>();
        private long version;

        void apply(ChangeSet c) {
            assertThat(c.version()).isGreaterThan(version);
            version = c.version();
            Set<String> usedBefore = usedSets();
            c.rulesRemoved().forEach(r -> assertThat(rules.remove(r.id())).as("removed rule was held: %s", r).isNotNull());
            c.rulesAdded().forEach(r -> assertThat(rules.put(r.id(), r)).as("added rule was new: %s", r).isNull());
            Set<String> outOfUse = new TreeSet<>(usedBefore);
            outOfUse.removeAll(usedSets());
            assertThat(c.setsOutOfUse()).as("sets out of use at version %d", version).containsExactlyElementsOf(outOfUse);
            for (SetChange s : c.sets()) {
                Set<String> members = sets.computeIfAbsent(s.set(), k -> new TreeSet<>());
                members.removeAll(s.removed());
                members.addAll(s.added());
                if (members.isEmpty()) sets.remove(s.set());
            }
            warnings.removeAll(c.warningsRemoved());
            warnings.addAll(c.warningsAdded());
            for (Placement p : c.placements()) {
                String before = placements.get(p.workload());
                List<String> addressesBefore = addresses.get(p.workload());
                assertThat(p.agent() != null || before != null).as("a workload that goes was placed: %s", p).isTrue();
                placementsSeen.add(p.agent() == null ? "gone" : before == null ? "placed" : !before.equals(p.agent()) ? "moved" : "readdressed");
                if (p.agent() != null && p.agent().equals(before)) {
                    assertThat(p.addresses()).as("a placement on the same agent changes the addresses: %s", p).isNotEqualTo(addressesBefore);
                }
                if (p.agent() == null) {
                    placements.remove(p.workload());
                    addresses.remove(p.workload());
                } else {
                    placements.put(p.workload(), p.agent());
                    addresses.put(p.workload(), p.addresses());
                }
            }
        }

        private Set<String> usedSets() {
            Set<String> used = new TreeSet<>();
            rules.values().forEach(r -> used.addAll(r.sets()));
            return used;
        }

        void assertMirrors(Snapshot snapshot, String when) {
            assertMirrors(snapshot.compilation(), when);
            assertThat(placements).as("placements, " + when).isEqualTo(snapshot.placements());
            assertThat(addresses).as("addresses, " + when).isEqualTo(snapshot.addresses());
        }

        void assertMirrors(Compilation live, String when) {
            assertThat(new TreeSet<>(rules.keySet())).as("rule ids, " + when)
                    .isEqualTo(new TreeSet<>(live.rules().stream().map(CompiledRule::id).toList()));
            Map<String, Set<String>> liveSets = new HashMap<>();
            for (AddressSet s : live.sets()) if (!s.members().isEmpty()) liveSets.put(s.id(), new TreeSet<>(s.members()));
            assertThat(sets).as("set members, " + when).isEqualTo(liveSets);
            assertThat(warnings).as("warnings, " + when).isEqualTo(new HashSet<>(live.warnings()));
        }
    }

    /** The property is only as strong as the states it was checked in: every DRL rule must have fired in some. */
    @AfterAll
    static void everyRuleWasExercised() {
        Set<String> firewallRules = new TreeSet<>();
        rules.kieBase().getKiePackages().forEach(p -> p.getRules().forEach(x -> firewallRules.add(x.getName())));
        firewallRules.removeIf(n -> !(n.contains("reach") || n.contains("accept") || n.contains("forward") || n.contains("catch-all")));
        assertThat(rulesSeen).as("DRL rules that produced firewall rules in checked states").containsAll(firewallRules);
        assertThat(warningsSeen).as("kinds of warnings in checked states").contains("is an", "excludes", "has no", "is claimed by");
        assertThat(placementsSeen).as("kinds of placement changes").contains("placed", "moved", "gone", "readdressed");
        assertThat(outsideSeen).as("outside addresses (CIDR members) in checked states").contains("192.0.2.0/24", "128.0.0.0/1");
        List<String> cnpKinds = new ArrayList<>(List.of("same tier and priority", "subject ns", "subject pods"));
        for (String tier : List.of("ADMIN", "BASELINE")) for (String action : List.of("ALLOW", "DENY", "PASS")) cnpKinds.add(tier + " " + action);
        for (String direction : List.of("INGRESS", "EGRESS")) {
            for (String peer : RandomInventory.CNP_PEERS) if (direction.equals("EGRESS") || !peer.equals("networks")) cnpKinds.add(direction + " peer " + peer);
            for (String ports : RandomInventory.CNP_PORTS) cnpKinds.add(direction + " protocols " + ports);
        }
        assertThat(cnpSeen).as("kinds of ClusterNetworkPolicy rules that made firewall rules in checked states").containsAll(cnpKinds);
        rules = null;
    }
}
