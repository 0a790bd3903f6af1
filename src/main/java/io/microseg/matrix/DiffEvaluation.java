package io.microseg.matrix;

import io.microseg.compile.Compilation;
import io.microseg.controlplane.CompiledRule;
import io.microseg.explain.FlowTrace;
import io.microseg.explain.Trace;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;
import io.microseg.net.Protocol;
import io.microseg.policy.Policy;
import io.microseg.policy.PortSpec;
import io.microseg.policy.Workspace;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Fills a {@link Diff}: the ends are split into groups that are classes under both versions
 * ({@link EndGroups} over the two sides' class keys, so a group is uniform before and after), and for
 * each port and pair of groups one flow between the same two representatives is traced on each side
 * ({@link Trace#decide}); when the verdicts differ, the pair flips, and {@link Decider} names who
 * decided each side. Cost: twice the traces of one matrix over the common classes.
 *
 * <p>The ends compared are those present on both sides: workloads (and services, as destinations)
 * that {@code --from}/{@code --to} select on either side and that both inventories hold. A cell that
 * exists on one side only (a service port added or removed) is not a flip.
 */
public final class DiffEvaluation {
    private DiffEvaluation() {}

    /** One version of the inputs, compiled. */
    public record Side(Compilation compilation, Inventory inventory, List<Workspace> workspaces) {
        public Side {
            workspaces = List.copyOf(workspaces);
        }

        Trace tracer() {
            return Trace.of(compilation, inventory, workspaces);
        }
    }

    /**
     * The flips from {@code before} to {@code after} on {@code ports} for the ends the queries select
     * ({@link Selection}; a query that does not parse is an {@link io.microseg.input.InputException}
     * naming {@code --from} or {@code --to}).
     */
    public static Diff evaluate(Side before, Side after, String from, String to, List<Trace.Port> ports) {
        return evaluate(before, after, from, to, ports, Limits.NONE);
    }

    /**
     * Bounds on one evaluation: at most {@code maxFlows} flows traced per side (checked before any is
     * traced: ports x source groups x destination groups), and no flow traced after the
     * {@link System#nanoTime} {@code deadline}.
     */
    public record Limits(long maxFlows, long deadline) {
        public static final Limits NONE = new Limits(Long.MAX_VALUE, Long.MAX_VALUE);

        /** At most {@code maxFlows} flows per side, for {@code timeout} from now. */
        public static Limits of(long maxFlows, java.time.Duration timeout) {
            return new Limits(maxFlows, System.nanoTime() + timeout.toNanos());
        }
    }

    /** An evaluation that went beyond its {@link Limits}; nothing of it is returned. */
    public static final class LimitExceeded extends RuntimeException {
        private final boolean timedOut;

        LimitExceeded(String message, boolean timedOut) {
            super(message);
            this.timedOut = timedOut;
        }

        /** True when the deadline passed, false when there were too many flows to trace. */
        public boolean timedOut() {
            return timedOut;
        }
    }

    /** As {@link #evaluate(Side, Side, String, String, List)}, within {@code limits}. */
    public static Diff evaluate(Side before, Side after, String from, String to, List<Trace.Port> ports, Limits limits) {
        Trace tb = before.tracer();
        Trace ta = after.tracer();
        Map<String, InventoryItem> wb = workloads(before.inventory());
        Map<String, InventoryItem> wa = workloads(after.inventory());
        Selection fb = Selection.of("--from", from, before.inventory(), false);
        Selection fa = Selection.of("--from", from, after.inventory(), false);
        Selection tob = Selection.of("--to", to, before.inventory(), true);
        Selection toa = Selection.of("--to", to, after.inventory(), true);
        List<String> sources = common(fb.workloads(), fa.workloads(), id -> wb.containsKey(id) && wa.containsKey(id));
        List<String> destinations = common(tob.workloads(), toa.workloads(), id -> wb.containsKey(id) && wa.containsKey(id));
        Map<String, Service> sb = new HashMap<>();
        before.inventory().services().forEach(s -> sb.put(s.id(), s));
        Map<String, Service> sa = new HashMap<>();
        after.inventory().services().forEach(s -> sa.put(s.id(), s));
        List<String> serviceIds = common(tob.services(), toa.services(), id -> sb.containsKey(id) && sa.containsKey(id));
        List<Service> services = serviceIds.stream().map(sa::get).toList();

        EndGroups g = new EndGroups(sources, destinations, services, List.of(new Version(tb, wb), new Version(ta, wa)));
        long bound = (long) ports.size() * g.sources.size() * g.destinations.size();
        if (bound > limits.maxFlows()) {
            throw new LimitExceeded("expected at most " + limits.maxFlows() + " flows to trace per side, found up to " + bound + " ("
                    + ports.size() + " ports x " + g.sources.size() + " source classes x " + g.destinations.size()
                    + " destination classes and services): narrow it with from, to or ports", false);
        }
        Diff.Flip[][][] flips = new Diff.Flip[ports.size()][g.sources.size()][g.destinations.size()];
        long traced = 0;
        for (int p = 0; p < ports.size(); p++) {
            Trace.Port port = ports.get(p);
            for (int t = 0; t < g.destinations.size(); t++) {
                Service service = g.services.get(t);
                if (service != null && !(MatrixEvaluation.hasPort(sb.get(service.id()), port)
                        && MatrixEvaluation.hasPort(service, port))) continue;
                for (int f = 0; f < g.sources.size(); f++) {
                    String[] pair = g.representatives(f, t);
                    if (pair == null) continue;
                    if (limits.deadline() != Long.MAX_VALUE && System.nanoTime() - limits.deadline() > 0) {
                        throw new LimitExceeded("expected the flows traced before the deadline, found " + traced + " of up to " + bound
                                + " traced when it passed: narrow it with from, to or ports", true);
                    }
                    FlowTrace b = tb.decide(pair[0], pair[1], port.protocol(), port.port());
                    FlowTrace a = ta.decide(pair[0], pair[1], port.protocol(), port.port());
                    traced++;
                    if (b.verdict() == a.verdict()) continue;
                    Diff.By[] by = Decider.of(b, a);
                    flips[p][f][t] = new Diff.Flip(b.verdict(), a.verdict(), by[0], by[1]);
                }
            }
        }
        return new Diff(List.copyOf(ports), g.sources, g.destinations, flips, g.shared, traced);
    }

    /**
     * The ports a diff compares without {@code --port}: every port a policy or a service of either
     * side names, sorted by protocol and port. A policy's port range gives its first and last port, a
     * policy's ICMP gives {@code icmp}; a service gives its ports, node ports and numbered target ports;
     * and each compiled rule's port range its first and last port (named target ports, resolved per pod,
     * arrive this way).
     */
    public static List<Trace.Port> portsNamed(Side before, Side after) {
        TreeSet<Trace.Port> ports = new TreeSet<>(Comparator.comparing(Trace.Port::protocol).thenComparingInt(Trace.Port::port));
        for (Side side : List.of(before, after)) {
            for (Workspace w : side.workspaces()) {
                for (Policy p : w.policies()) {
                    for (PortSpec spec : p.ports()) {
                        if (spec.protocol() == Protocol.ICMP) ports.add(new Trace.Port(Protocol.ICMP, 0));
                        if (spec.range().isNone()) continue;
                        List<Protocol> protocols = spec.protocol() == Protocol.ANY
                                ? List.of(Protocol.TCP, Protocol.UDP, Protocol.SCTP) : List.of(spec.protocol());
                        for (Protocol proto : protocols) {
                            if (!proto.hasPorts()) continue;
                            ports.add(new Trace.Port(proto, spec.range().from()));
                            ports.add(new Trace.Port(proto, spec.range().to()));
                        }
                    }
                }
            }
            for (Service s : side.inventory().services()) {
                for (ServicePort sp : s.ports()) {
                    if (!sp.protocol().hasPorts()) continue;
                    ports.add(new Trace.Port(sp.protocol(), sp.port()));
                    if (sp.nodePort() != null) ports.add(new Trace.Port(sp.protocol(), sp.nodePort()));
                    if (sp.targetPort() != null && !sp.targetPort().isNamed()) ports.add(new Trace.Port(sp.protocol(), sp.targetPort().number()));
                }
            }
            for (CompiledRule r : side.compilation().rules()) {
                if (!r.protocol().hasPorts() || r.ports().isEmpty()) continue;
                for (String end : r.ports().split("-")) ports.add(new Trace.Port(r.protocol(), Integer.parseInt(end)));
            }
        }
        return List.copyOf(ports);
    }

    private static Map<String, InventoryItem> workloads(Inventory inv) {
        Map<String, InventoryItem> m = new HashMap<>();
        inv.hosts().forEach(h -> m.put(h.id(), h));
        inv.nodes().forEach(n -> m.put(n.id(), n));
        inv.pods().forEach(p -> m.put(p.id(), p));
        return m;
    }

    /** The ids of items selected on either side that both sides hold, sorted. */
    private static List<String> common(List<? extends InventoryItem> a, List<? extends InventoryItem> b, Predicate<String> onBoth) {
        TreeSet<String> ids = new TreeSet<>();
        a.forEach(i -> ids.add(i.id()));
        b.forEach(i -> ids.add(i.id()));
        List<String> out = new ArrayList<>();
        for (String id : ids) if (onBoth.test(id)) out.add(id);
        return out;
    }
}
