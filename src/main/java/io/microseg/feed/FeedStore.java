package io.microseg.feed;

import io.microseg.net.Addresses;
import io.microseg.controlplane.RuleOrder;
import io.microseg.controlplane.AgentEvent;
import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.engine.ChangeSet;
import io.microseg.engine.Placement;
import io.microseg.controlplane.SetChange;
import io.microseg.controlplane.Workload;
import io.microseg.compile.WorkloadRules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The server side of the rule feed: splits the engine's global change sets into one stream per
 * agent, and keeps enough per agent to serve a snapshot or a resumption from a remembered version.
 *
 * <p>An agent's <em>span</em> is the workloads placed on it ({@link Placement}) with their addresses,
 * their rules, and the sets those rules use, with their members: nothing else. {@link #accept} turns one change
 * set into at most one {@link AgentEvent.Delta} per agent, keeps the last {@code historyPerAgent}
 * of them, and hands them to that agent's subscribers.
 *
 * <p>Wiring: {@code engine.subscribe(store); store.initialize(engine.snapshot());}. Change sets that
 * arrive before {@link #initialize} are held and applied after it if newer than the snapshot, and
 * change sets not newer than {@link #version()} are ignored, so nothing is lost or applied twice
 * whatever the engine does in between. (Initializing first and subscribing after is also fine while
 * the engine is idle; a missed version is logged.)
 *
 * <p>Thread-safe: one lock guards the state. {@code accept} holds it for time proportional to the
 * change set; {@code subscribe} and {@code snapshot} for time proportional to the agent's span.
 * Listeners are called with the lock held (on the engine thread, or the subscribing thread for the
 * catch-up), so they must hand events off and return; a listener that throws is unsubscribed.
 */
public final class FeedStore implements Consumer<ChangeSet> {
    private static final Logger LOG = LoggerFactory.getLogger(FeedStore.class);
    private static final Comparator<CompiledRule> ORDER = RuleOrder.EVALUATION;

    private final int historyPerAgent;
    private final Object lock = new Object();

    private boolean initialized;
    private final List<ChangeSet> early = new ArrayList<>();
    private volatile long version;
    /**
     * The horizon of agents the store holds nothing about: a resumption from before it gets a
     * replace snapshot. The initial version, raised when the state of an agent that had deltas is
     * forgotten (no workloads and no subscribers left), so that forgetting never hides a delta.
     */
    private long unknownHorizon;

    /**
     * Every workload's rules, placed or not, as the engine hands them out: made into {@link CompiledRule}s
     * only when an agent's snapshot or a workload's move to another agent needs them, so the feed holds
     * nothing per rule (a large cluster has a million and a half).
     */
    private final Map<String, WorkloadRules> rulesByWorkload = new HashMap<>();
    private final Map<String, String> placements = new HashMap<>();
    /** The addresses of each placed workload (the same keys as {@link #placements}). */
    private final Map<String, List<String>> addresses = new HashMap<>();
    /** The sets some rule uses (as the engine says: it counts their users), with members and description. */
    private final Map<String, SetState> sets = new HashMap<>();
    private final Map<String, AgentState> agents = new HashMap<>();
    /** Which agents use each set (the reverse of {@link AgentState#setRefs}). */
    private final Map<String, Set<String>> setAgents = new HashMap<>();
    private volatile int connected;

    public FeedStore(int historyPerAgent) {
        if (historyPerAgent < 0) throw new IllegalArgumentException("historyPerAgent must not be negative: " + historyPerAgent);
        this.historyPerAgent = historyPerAgent;
    }

    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private static final class SetState {
        String description;
        final Set<String> members = new HashSet<>();
        /**
         * The members in {@link Addresses#ORDER}, made when an agent's snapshot or a set coming into use
         * first needs them and kept until the members change: one set (the nodes of a cluster: thousands)
         * goes to every agent, and sorting it by parsed addresses per agent cost seconds per thousand agents.
         */
        private List<String> sorted;

        List<String> sorted() {
            if (sorted == null) sorted = List.copyOf(Addresses.sorted(members));
            return sorted;
        }

        void change(Collection<String> removed, Collection<String> added) {
            if (removed.isEmpty() && added.isEmpty()) return;
            members.removeAll(removed);
            members.addAll(added);
            sorted = null;
        }
    }

    private static final class AgentState {
        final String name;
        final Set<String> workloads = new HashSet<>();
        /** How many of the agent's workloads have rules that use each set. */
        final Map<String, Integer> setRefs = new HashMap<>();
        final ArrayDeque<AgentEvent.Delta> history = new ArrayDeque<>();
        /** Deltas after this version are all in {@link #history}. */
        long horizon;
        final List<Sub> subscribers = new ArrayList<>();

        AgentState(String name, long horizon) {
            this.name = name;
            this.horizon = horizon;
        }

        long lastChange() {
            return history.isEmpty() ? horizon : history.getLast().version();
        }
    }

    private final class Sub implements Subscription {
        final AgentState agent;
        final Consumer<AgentEvent> listener;
        boolean closed;

        Sub(AgentState agent, Consumer<AgentEvent> listener) {
            this.agent = agent;
            this.listener = listener;
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (closed) return;
                closed = true;
                agent.subscribers.remove(this);
                connected--;
                forgetIfIdle(agent);
            }
        }

        void deliver(AgentEvent event) {
            if (closed) return;
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                LOG.error("a listener of agent {} failed at version {}; it is unsubscribed", agent.name, event.version(), e);
                close();
            }
        }
    }

    /** The state as of an engine snapshot. Call once, before any change set is applied. */
    public void initialize(io.microseg.engine.Snapshot snapshot) {
        synchronized (lock) {
            if (initialized) throw new IllegalStateException("the feed store is already initialized");
            version = snapshot.version();
            unknownHorizon = snapshot.version();
            placements.putAll(snapshot.placements());
            addresses.putAll(snapshot.addresses());
            placements.forEach((workload, agent) -> agentState(agent).workloads.add(workload));
            for (AddressSet s : snapshot.compilation().sets()) {
                SetState st = new SetState();
                st.description = s.description();
                st.change(List.of(), s.members());
                sets.put(s.id(), st);
            }
            snapshot.compilation().workloads().forEach((workload, rules) -> {
                rulesByWorkload.put(workload, rules);
                String agent = placements.get(workload);
                if (agent != null) rules.sets().forEach(set -> reference(agentState(agent), set, +1));
            });
            initialized = true;
            List<ChangeSet> held = List.copyOf(early);
            early.clear();
            held.forEach(this::applyIfNew);
        }
    }

    /** Applies one change set from the engine; called on the engine thread, never blocks on clients. */
    @Override
    public void accept(ChangeSet changes) {
        synchronized (lock) {
            if (!initialized) early.add(changes);
            else applyIfNew(changes);
        }
    }

    /**
     * The latest version applied. It is set after the deltas of that version are handed to listeners,
     * so a {@link AgentEvent.Bookmark} of it, queued behind a listener's events, never announces a
     * version whose delta is not already ahead of it (it may lag behind: agents keep the highest).
     */
    public long version() {
        return version;
    }

    /** The agent's rules in evaluation order, the sets they use and its workloads by id, as of {@link #version()}; replace=false. */
    public AgentEvent.Snapshot snapshot(String agent) {
        synchronized (lock) {
            requireInitialized();
            return snapshotOf(agents.get(agent), false);
        }
    }

    /**
     * Streams the agent's events to {@code listener}: a snapshot without {@code since}; the retained
     * deltas after {@code since} when all of them are retained; a replace snapshot otherwise (since too
     * old, or newer than {@link #version()}: a restarted server). Then every later delta, in order, until
     * the subscription is closed. The catch-up is delivered on this thread before this method returns,
     * atomically with respect to {@link #accept}: no delta is lost or repeated between the two.
     */
    public Subscription subscribe(String agent, OptionalLong since, Consumer<AgentEvent> listener) {
        return subscribe(agent, since, false, listener);
    }

    /**
     * As {@link #subscribe}, starting with a replace snapshot whatever version the agent remembers: for an
     * agent whose cursor is from another server instance, whose versions say nothing about this one's.
     */
    public Subscription subscribeReplacing(String agent, Consumer<AgentEvent> listener) {
        return subscribe(agent, OptionalLong.empty(), true, listener);
    }

    private Subscription subscribe(String agent, OptionalLong since, boolean replace, Consumer<AgentEvent> listener) {
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            requireInitialized();
            AgentState a = agentState(agent);
            Sub sub = new Sub(a, listener);
            a.subscribers.add(sub);
            connected++;
            if (replace) {
                sub.deliver(snapshotOf(a, true));
            } else if (since.isEmpty()) {
                sub.deliver(snapshotOf(a, false));
            } else if (since.getAsLong() > version || since.getAsLong() < a.horizon) {
                sub.deliver(snapshotOf(a, true));
            } else {
                for (AgentEvent.Delta d : List.copyOf(a.history)) {
                    if (d.version() > since.getAsLong()) sub.deliver(d);
                }
            }
            return sub;
        }
    }

    /** Agents that currently have workloads placed on them. */
    public Set<String> agents() {
        synchronized (lock) {
            Set<String> out = new TreeSet<>();
            agents.values().forEach(a -> {
                if (!a.workloads.isEmpty()) out.add(a.name);
            });
            return out;
        }
    }

    /**
     * What the feed holds for one agent's stream: {@code version}, the version of the last change to it
     * (an agent that applied this version or later holds exactly its span); {@code inInventory}, whether
     * the agent's own node or host is in the inventory (an agent the inventory expects); {@code streams},
     * the watch subscriptions open on it.
     */
    public record AgentFeed(String agent, long version, boolean inInventory, int streams) {}

    /** Every agent the feed holds anything about: those with workloads placed on them, or a stream open. */
    public List<AgentFeed> agentFeeds() {
        synchronized (lock) {
            List<AgentFeed> out = new ArrayList<>(agents.size());
            for (AgentState a : agents.values()) out.add(feedOf(a));
            return out;
        }
    }

    /** What the feed holds for this agent; for one it knows nothing about, the version below which it knows nothing. */
    public AgentFeed agentFeed(String agent) {
        synchronized (lock) {
            AgentState a = agents.get(agent);
            return a == null ? new AgentFeed(agent, unknownHorizon, false, 0) : feedOf(a);
        }
    }

    private static AgentFeed feedOf(AgentState a) {
        return new AgentFeed(a.name, a.lastChange(), a.workloads.contains(a.name), a.subscribers.size());
    }

    /** How many sets some rule uses (placed or not), as the engine's change sets say; the server's metrics read it. */
    public int setsInUse() {
        synchronized (lock) {
            return sets.size();
        }
    }

    /** Live subscriptions. */
    public int connectedCount() {
        return connected;
    }

    private void requireInitialized() {
        if (!initialized) throw new IllegalStateException("the feed store is not initialized yet");
    }

    private AgentState agentState(String agent) {
        return agents.computeIfAbsent(agent, a -> new AgentState(a, unknownHorizon));
    }

    /** Forgets an agent with nothing placed on it and nobody listening, so that memory stays bounded. */
    private void forgetIfIdle(AgentState a) {
        if (!a.workloads.isEmpty() || !a.subscribers.isEmpty() || agents.get(a.name) != a) return;
        agents.remove(a.name);
        unknownHorizon = Math.max(unknownHorizon, a.lastChange());
    }

    private AgentEvent.Snapshot snapshotOf(AgentState a, boolean replace) {
        if (a == null) return new AgentEvent.Snapshot(version, replace, List.of(), List.of(), List.of());
        List<CompiledRule> rules = new ArrayList<>();
        for (String w : a.workloads) {
            WorkloadRules own = rulesByWorkload.get(w);
            if (own != null) rules.addAll(own.rules());
        }
        rules.sort(ORDER);
        List<AddressSet> used = new TreeSet<>(a.setRefs.keySet()).stream().map(this::fullSet).toList();
        List<Workload> workloads = new TreeSet<>(a.workloads).stream().map(w -> new Workload(w, addresses.get(w))).toList();
        return new AgentEvent.Snapshot(version, replace, rules, used, workloads);
    }

    private AddressSet fullSet(String id) {
        SetState s = sets.get(id);
        if (s == null) return new AddressSet(id, id, List.of());
        return new AddressSet(id, s.description, s.sorted());
    }

    private void applyIfNew(ChangeSet changes) {
        if (changes.version() <= version) {
            LOG.debug("change set {} is not newer than {}: already applied", changes.version(), version);
            return;
        }
        if (changes.version() != version + 1) {
            LOG.warn("change set {} follows version {}: versions in between were never received", changes.version(), version);
        }
        apply(changes);
    }

    /** What one change set does to one agent, collected while the change set is applied. */
    private static final class Builder {
        final AgentState agent;
        final Map<String, CompiledRule> added = new HashMap<>();
        final Map<String, CompiledRule> removed = new HashMap<>();
        /** Sets whose use by the agent changed, and whether the agent used them before. */
        final Map<String, Boolean> usedBefore = new HashMap<>();
        final List<SetChange> members = new ArrayList<>();
        /** Workloads that joined the agent or whose addresses changed, and those that left it. */
        final Map<String, Workload> workloadsAdded = new TreeMap<>();
        final Set<String> workloadsRemoved = new TreeSet<>();

        Builder(AgentState agent) {
            this.agent = agent;
        }

        boolean cameIntoUse(String set) {
            return Boolean.FALSE.equals(usedBefore.get(set)) && agent.setRefs.containsKey(set);
        }
    }

    private void apply(ChangeSet c) {
        Map<String, Builder> builders = new TreeMap<>();
        Map<String, WorkloadRules> rulesAfter = c.workloadRules();
        // the workloads whose rules or agent may change, with their agent and rules before this change set
        Map<String, String> agentBefore = new HashMap<>();
        Map<String, WorkloadRules> rulesBefore = new HashMap<>();
        for (String w : rulesAfter.keySet()) before(w, agentBefore, rulesBefore);
        for (Placement p : c.placements()) before(p.workload(), agentBefore, rulesBefore);

        for (CompiledRule r : c.rulesRemoved()) {
            String agent = placements.get(r.workload());
            if (agent != null) leaveSpan(builder(builders, agent), r);
        }

        Map<String, Set<String>> addedIds = new HashMap<>();
        for (CompiledRule r : c.rulesAdded()) addedIds.computeIfAbsent(r.workload(), k -> new HashSet<>()).add(r.id());
        for (Placement p : c.placements()) {
            String before = p.agent() == null ? placements.remove(p.workload()) : placements.put(p.workload(), p.agent());
            List<String> addressesBefore = p.agent() == null ? addresses.remove(p.workload()) : addresses.put(p.workload(), p.addresses());
            if (Objects.equals(before, p.agent())) {
                // the same agent: only the addresses may have changed
                if (before != null && !p.addresses().equals(addressesBefore)) {
                    builder(builders, before).workloadsAdded.put(p.workload(), new Workload(p.workload(), p.addresses()));
                }
                continue;
            }
            // the rules the workload keeps through this change set move with it (those it gains or loses are added or removed)
            Set<String> gained = addedIds.getOrDefault(p.workload(), Set.of());
            WorkloadRules now = rulesAfter.getOrDefault(p.workload(), rulesByWorkload.get(p.workload()));
            List<CompiledRule> rules = now == null ? List.of() : now.rules().stream().filter(r -> !gained.contains(r.id())).toList();
            if (before != null) {
                Builder b = builder(builders, before);
                b.agent.workloads.remove(p.workload());
                b.workloadsAdded.remove(p.workload());
                b.workloadsRemoved.add(p.workload());
                rules.forEach(r -> leaveSpan(b, r));
            }
            if (p.agent() != null) {
                Builder b = builder(builders, p.agent());
                b.agent.workloads.add(p.workload());
                b.workloadsRemoved.remove(p.workload());
                b.workloadsAdded.put(p.workload(), new Workload(p.workload(), p.addresses()));
                rules.forEach(r -> enterSpan(b, r));
            }
        }

        for (CompiledRule r : c.rulesAdded()) {
            String agent = placements.get(r.workload());
            if (agent != null) enterSpan(builder(builders, agent), r);
        }

        rulesAfter.forEach((w, rules) -> {
            if (rules.isEmpty()) rulesByWorkload.remove(w);
            else rulesByWorkload.put(w, rules);
        });
        // the sets each agent uses: its workloads' sets before this change set leave, their sets after it come
        agentBefore.forEach((w, was) -> {
            String is = placements.get(w);
            WorkloadRules old = rulesBefore.get(w);
            WorkloadRules now = rulesByWorkload.get(w);
            if (Objects.equals(was, is) && old == now) return;
            if (was != null && old != null) {
                Builder b = builder(builders, was);
                old.sets().forEach(set -> reference(b, set, -1));
            }
            if (is != null && now != null) {
                Builder b = builder(builders, is);
                now.sets().forEach(set -> reference(b, set, +1));
            }
        });

        for (SetChange s : c.sets()) {
            SetState st = sets.computeIfAbsent(s.set(), k -> new SetState());
            st.description = s.description();
            st.change(s.removed(), s.added());
            if (s.added().isEmpty() && s.removed().isEmpty()) continue;
            for (String agent : setAgents.getOrDefault(s.set(), Set.of())) {
                Builder b = builders.get(agent);
                if (b != null && b.cameIntoUse(s.set())) continue; // it gets the set whole
                builder(builders, agent).members.add(s);
            }
        }
        c.setsOutOfUse().forEach(sets::remove);

        Map<String, AddressSet> whole = new HashMap<>(); // a set coming into use on several agents is built once
        for (Builder b : builders.values()) {
            AgentEvent.Delta d = deltaOf(b, c.version(), whole);
            if (d.isEmpty()) continue;
            AgentState a = b.agent;
            a.history.addLast(d);
            while (a.history.size() > historyPerAgent) a.horizon = a.history.removeFirst().version();
            for (Sub s : List.copyOf(a.subscribers)) s.deliver(d);
        }
        version = c.version();
        for (Builder b : builders.values()) forgetIfIdle(b.agent);
    }

    /** Records a workload's agent and rules before the change set, the first time it is named. */
    private void before(String workload, Map<String, String> agentBefore, Map<String, WorkloadRules> rulesBefore) {
        if (agentBefore.containsKey(workload)) return;
        agentBefore.put(workload, placements.get(workload));
        WorkloadRules rules = rulesByWorkload.get(workload);
        if (rules != null) rulesBefore.put(workload, rules);
    }

    /** The rules this feed holds for {@code workload} (none when it has none), as a change set's reader sees them before it. */
    WorkloadRules rulesOf(String workload) {
        synchronized (lock) {
            WorkloadRules rules = rulesByWorkload.get(workload);
            return rules == null ? WorkloadRules.none(workload) : rules;
        }
    }

    private Builder builder(Map<String, Builder> builders, String agent) {
        return builders.computeIfAbsent(agent, a -> new Builder(agentState(a)));
    }

    /**
     * The rule joins the agent's span in this change set. A rule that left it earlier in the same
     * change set and comes back unchanged leaves nothing to say; changed, it is removed and re-added.
     */
    private void enterSpan(Builder b, CompiledRule r) {
        CompiledRule gone = b.removed.get(r.id());
        if (gone != null && gone.equals(r)) b.removed.remove(r.id());
        else b.added.put(r.id(), r);
    }

    /** The rule leaves the agent's span: a rule that joined it earlier in the same change set leaves nothing to say. */
    private void leaveSpan(Builder b, CompiledRule r) {
        if (b.added.remove(r.id()) == null || b.removed.containsKey(r.id())) b.removed.putIfAbsent(r.id(), r);
    }

    /** Counts the agent's workloads whose rules use the set, remembering whether it used the set before this change set. */
    private void reference(Builder b, String set, int delta) {
        b.usedBefore.putIfAbsent(set, b.agent.setRefs.containsKey(set));
        reference(b.agent, set, delta);
    }

    private void reference(AgentState a, String set, int delta) {
        int n = a.setRefs.getOrDefault(set, 0) + delta;
        if (n > 0) {
            if (a.setRefs.put(set, n) == null) setAgents.computeIfAbsent(set, k -> new HashSet<>()).add(a.name);
        } else {
            a.setRefs.remove(set);
            Set<String> users = setAgents.get(set);
            if (users != null && users.remove(a.name) && users.isEmpty()) setAgents.remove(set);
        }
    }

    private AgentEvent.Delta deltaOf(Builder b, long version, Map<String, AddressSet> whole) {
        List<CompiledRule> added = new ArrayList<>(b.added.values());
        added.sort(ORDER);
        List<CompiledRule> removed = new ArrayList<>(b.removed.values());
        removed.sort(ORDER);
        List<AddressSet> setsAdded = new ArrayList<>();
        List<String> setsRemoved = new ArrayList<>();
        new TreeMap<>(b.usedBefore).forEach((set, before) -> {
            boolean after = b.agent.setRefs.containsKey(set);
            if (after && !before) setsAdded.add(whole.computeIfAbsent(set, this::fullSet));
            else if (before && !after) setsRemoved.add(set);
        });
        List<SetChange> members = new ArrayList<>(b.members);
        members.sort(Comparator.comparing(SetChange::set));
        return new AgentEvent.Delta(version, added, removed.stream().map(CompiledRule::id).toList(), setsAdded,
                setsRemoved, members, List.copyOf(b.workloadsAdded.values()), List.copyOf(b.workloadsRemoved));
    }
}
