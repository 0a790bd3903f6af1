package io.microseg.matrix;

import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fills a {@link Matrix}: the sources and the destinations are split into groups ({@link EndGroups}: a
 * source group is a class of sources, a destination group a class of destinations), and for each
 * port and pair of groups one flow between two distinct representatives is traced
 * ({@link Trace#verdict}); every other cell of the pair has that verdict, since the trace cannot tell
 * their ends from the representatives. A service is a destination on a port a client addresses it by
 * (a service port, or a node port); each is a group of its own. Cost: one class key per workload, one
 * trace per port and pair of groups, instead of one per cell.
 */
public final class MatrixEvaluation {
    private MatrixEvaluation() {}

    public static Matrix evaluate(Trace trace, Selection from, Selection to, List<Trace.Port> ports) {
        Map<String, InventoryItem> workloads = new HashMap<>();
        from.workloads().forEach(w -> workloads.put(w.id(), w));
        to.workloads().forEach(w -> workloads.put(w.id(), w));
        EndGroups g = new EndGroups(ids(from.workloads()), ids(to.workloads()), to.services(), List.of(new Version(trace, workloads)));

        Verdict[][][] verdicts = new Verdict[ports.size()][g.sources.size()][g.destinations.size()];
        long traced = 0;
        for (int p = 0; p < ports.size(); p++) {
            Trace.Port port = ports.get(p);
            for (int t = 0; t < g.destinations.size(); t++) {
                Service service = g.services.get(t);
                if (service != null && !hasPort(service, port)) continue;
                for (int f = 0; f < g.sources.size(); f++) {
                    String[] pair = g.representatives(f, t);
                    if (pair == null) continue;
                    verdicts[p][f][t] = trace.verdict(pair[0], pair[1], port.protocol(), port.port());
                    traced++;
                }
            }
        }
        return new Matrix(List.copyOf(ports), g.sources, g.destinations, verdicts, g.shared, traced);
    }

    private static List<String> ids(List<InventoryItem> workloads) {
        return workloads.stream().map(InventoryItem::id).toList();
    }

    /** Whether a client can address the service on this port: a service port, or a node port (ICMP never), as trace reads it. */
    static boolean hasPort(Service s, Trace.Port port) {
        for (ServicePort sp : s.ports()) {
            if (sp.protocol() != port.protocol()) continue;
            if (sp.port() == port.port() || (sp.nodePort() != null && sp.nodePort() == port.port())) return true;
        }
        return false;
    }
}
