package io.microseg.matrix;

import io.microseg.inventory.Service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The ends of a matrix in groups: the sources split into source classes and the destination
 * workloads into destination classes ({@link WorkloadClasses}, under every version given), each class
 * a group, then each destination service a group of its own. Holds what every evaluation over these
 * groups needs: the service of each destination group, how many workloads each pair of groups shares
 * (a workload to itself is no cell), and two distinct representatives per pair.
 */
final class EndGroups {
    final List<Matrix.Group> sources;
    final List<Matrix.Group> destinations;
    /** Per destination group: its service, or null for a group of workloads. */
    final List<Service> services;
    /** [from group][to group]: workloads in both. */
    final int[][] shared;

    /**
     * @param sourceIds      the source workloads, sorted by id, held by every version
     * @param destinationIds the destination workloads, sorted by id, held by every version
     * @param services       the destination services, sorted by id
     */
    EndGroups(List<String> sourceIds, List<String> destinationIds, List<Service> services, List<Version> versions) {
        this.sources = groups(sourceIds, WorkloadClasses.sources(sourceIds, versions));
        List<Matrix.Group> to = new ArrayList<>(groups(destinationIds, WorkloadClasses.destinations(destinationIds, versions)));
        List<Service> of = new ArrayList<>();
        to.forEach(g -> of.add(null));
        for (Service s : services) {
            to.add(new Matrix.Group(s.id(), List.of(s.id()), true));
            of.add(s);
        }
        this.destinations = List.copyOf(to);
        this.services = of;
        this.shared = new int[sources.size()][destinations.size()];
        Map<String, Integer> toGroup = new HashMap<>();
        for (int t = 0; t < destinations.size(); t++) for (String m : destinations.get(t).members()) toGroup.put(m, t);
        for (int f = 0; f < sources.size(); f++) {
            for (String m : sources.get(f).members()) {
                Integer t = toGroup.get(m);
                if (t != null) shared[f][t]++;
            }
        }
    }

    /** The workloads in groups of one class each, groups in the order of their first member. */
    private static List<Matrix.Group> groups(List<String> ids, WorkloadClasses classes) {
        Map<Integer, List<String>> byClass = new LinkedHashMap<>();
        for (String id : ids) byClass.computeIfAbsent(classes.classOf(id), k -> new ArrayList<>()).add(id);
        return byClass.values().stream().map(m -> new Matrix.Group(GroupNames.name(m), m, false)).toList();
    }

    /** Two distinct ends, one of each group; null when the groups share their only member. */
    String[] representatives(int fromGroup, int toGroup) {
        List<String> f = sources.get(fromGroup).members();
        List<String> t = destinations.get(toGroup).members();
        if (!f.get(0).equals(t.get(0))) return new String[] {f.get(0), t.get(0)};
        if (t.size() > 1) return new String[] {f.get(0), t.get(1)};
        if (f.size() > 1) return new String[] {f.get(1), t.get(0)};
        return null;
    }
}
