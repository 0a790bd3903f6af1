package io.microseg.matrix;

import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Service;
import io.microseg.inventory.ServicePort;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fills a {@link Matrix}: the sources and the destinations are split into {@link WorkloadClasses} (a
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
        WorkloadClasses fromClasses = WorkloadClasses.sources(from.workloads(), trace);
        WorkloadClasses toClasses = WorkloadClasses.destinations(to.workloads(), trace);

        List<Matrix.Group> sources = groups(from.workloads(), fromClasses);
        List<Matrix.Group> destinations = new ArrayList<>(groups(to.workloads(), toClasses));
        List<Service> services = new ArrayList<>();
        destinations.forEach(g -> services.add(null));
        for (Service s : to.services()) {
            destinations.add(new Matrix.Group(s.id(), List.of(s.id()), true));
            services.add(s);
        }

        Verdict[][][] verdicts = new Verdict[ports.size()][sources.size()][destinations.size()];
        long traced = 0;
        for (int p = 0; p < ports.size(); p++) {
            Trace.Port port = ports.get(p);
            for (int t = 0; t < destinations.size(); t++) {
                Matrix.Group dst = destinations.get(t);
                if (dst.service() && !hasPort(services.get(t), port)) continue;
                for (int f = 0; f < sources.size(); f++) {
                    String[] pair = representatives(sources.get(f), dst);
                    if (pair == null) continue;
                    verdicts[p][f][t] = trace.verdict(pair[0], pair[1], port.protocol(), port.port());
                    traced++;
                }
            }
        }
        int[][] shared = new int[sources.size()][destinations.size()];
        Map<String, Integer> toGroup = new HashMap<>();
        for (int t = 0; t < destinations.size(); t++) for (String m : destinations.get(t).members()) toGroup.put(m, t);
        for (int f = 0; f < sources.size(); f++) {
            for (String m : sources.get(f).members()) {
                Integer t = toGroup.get(m);
                if (t != null) shared[f][t]++;
            }
        }
        return new Matrix(List.copyOf(ports), sources, List.copyOf(destinations), verdicts, shared, traced);
    }

    /** The workloads in groups of one class each, groups in the order of their first member. */
    private static List<Matrix.Group> groups(List<InventoryItem> workloads, WorkloadClasses classes) {
        Map<Integer, List<String>> byClass = new LinkedHashMap<>();
        for (InventoryItem w : workloads) byClass.computeIfAbsent(classes.classOf(w.id()), k -> new ArrayList<>()).add(w.id());
        return byClass.values().stream().map(m -> new Matrix.Group(GroupNames.name(m), m, false)).toList();
    }

    /** Two distinct ends, one of each group; null when the groups share their only member. */
    private static String[] representatives(Matrix.Group from, Matrix.Group to) {
        List<String> f = from.members();
        List<String> t = to.members();
        if (!f.get(0).equals(t.get(0))) return new String[] {f.get(0), t.get(0)};
        if (t.size() > 1) return new String[] {f.get(0), t.get(1)};
        if (f.size() > 1) return new String[] {f.get(1), t.get(0)};
        return null;
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
