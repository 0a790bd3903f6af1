package io.microseg.scenario;

import io.microseg.explain.FlowTrace;
import io.microseg.explain.Hop;
import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Service;
import io.microseg.matrix.Decider;
import io.microseg.matrix.Matrix;
import io.microseg.matrix.MatrixEvaluation;
import io.microseg.matrix.Selection;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checks a scenario's truth table against the compile: the table's cells are computed as
 * {@code microseg matrix} computes them ({@link MatrixEvaluation}, so each verdict is what
 * {@code trace} decides), and each cell that differs from the expectation is reported with its ends,
 * port, both verdicts and who decided the actual one ({@link Decider}: the first denying hop, or the
 * first rule that let it through). An id that names nothing in the inventory, and an expected cell the
 * matrix does not have (a service without that port), are bad input: an error naming the line.
 */
final class MatrixCheck {
    /** More differences than this from one table are summed up: a table of queries can hold thousands of cells. */
    static final int SHOWN = 50;

    private final Trace trace;
    private final Map<String, InventoryItem> workloads = new HashMap<>();
    private final Map<String, Service> services = new HashMap<>();
    private final Inventory inventory;

    MatrixCheck(Trace trace, Inventory inventory) {
        this.trace = trace;
        this.inventory = inventory;
        Stream.of(inventory.hosts(), inventory.nodes(), inventory.pods()).flatMap(List::stream).forEach(w -> workloads.put(w.id(), w));
        inventory.services().forEach(s -> services.put(s.id(), s));
    }

    /** The differences between the table and the compile, as lines for people; empty when it holds. */
    List<String> check(ExpectedMatrix m) {
        Selection from = select(m.from(), false);
        Selection to = select(m.to(), true);
        Matrix actual = MatrixEvaluation.evaluate(trace, from, to, m.ports());
        Map<String, Verdict> verdicts = new LinkedHashMap<>();
        actual.forEachCell(c -> verdicts.put(key(c.from(), c.to(), c.port()), c.verdict()));

        List<String> diff = new ArrayList<>();
        int[] more = {0};
        Set<String> listed = new HashSet<>();
        for (ExpectedMatrix.Cell c : m.cells()) {
            known(c.from(), c.where(), false);
            known(c.to(), c.where(), true);
            for (Trace.Port p : c.port() == null ? m.ports() : List.of(c.port())) {
                String k = key(c.from(), c.to(), p);
                Verdict v = verdicts.get(k);
                if (v == null) throw c.where().error(noCell(c, p, from, to));
                listed.add(k);
                if (v != c.verdict()) add(diff, more, m.title() + " " + c.where() + ": " + failure(c.from(), c.to(), p, c.verdict(), v));
            }
        }
        if (m.unlisted() != null) {
            actual.forEachCell(c -> {
                if (c.verdict() != m.unlisted() && !listed.contains(key(c.from(), c.to(), c.port()))) {
                    add(diff, more, m.title() + " " + m.where() + ", unlisted: " + m.unlisted() + ": "
                            + failure(c.from(), c.to(), c.port(), m.unlisted(), c.verdict()));
                }
            });
        }
        if (more[0] > 0) diff.add(m.title() + ": and " + more[0] + " more cells that differ");
        return diff;
    }

    private static void add(List<String> diff, int[] more, String line) {
        if (diff.size() < SHOWN) diff.add(line);
        else more[0]++;
    }

    /** "a -> b tcp/80: expected ALLOW, actual DENY, decided by policy ..., DRL rule ... at source egress on a". */
    private String failure(String from, String to, Trace.Port port, Verdict expected, Verdict actual) {
        FlowTrace t = trace.decide(from, to, port.protocol(), port.port());
        Hop h = Decider.decidingHop(t);
        String by = Decider.of(t).words() + (h == null ? "" : " on " + h.enforcer());
        String why = actual == Verdict.DENY ? (h == null && !t.blocked().isEmpty() ? "blocked: " + String.join("; ", t.blocked()) : "decided by " + by)
                : "every hop allows, first " + by;
        return from + " -> " + to + " " + port.text() + ": expected " + expected + ", actual " + actual + ", " + why;
    }

    /** The ends of one side: what its query selects, or its ids, each of which must name an inventory item. */
    private Selection select(ExpectedMatrix.Ends ends, boolean destinations) {
        if (!ends.byId()) return Selection.of(ends.where().field(), ends.query(), inventory, destinations);
        List<InventoryItem> w = new ArrayList<>();
        List<Service> s = new ArrayList<>();
        for (ExpectedMatrix.End e : ends.ids()) {
            known(e.id(), e.where(), destinations);
            if (workloads.containsKey(e.id())) w.add(workloads.get(e.id()));
            else s.add(services.get(e.id()));
        }
        return Selection.of(w, s);
    }

    private void known(String id, ExpectedMatrix.Where where, boolean destination) {
        if (workloads.containsKey(id) || (destination && services.containsKey(id))) return;
        throw where.error((destination ? "a workload or service" : "a workload") + " of the scenario's inventory, found " + id
                + ", which names none (ids: host/<name>, node/<cluster>/<name>, pod/<cluster>/<namespace>/<name>"
                + (destination ? ", service/<cluster>/<namespace>/<name>)" : ")"));
    }

    /** Why an expected cell is not in the matrix: outside the table's queries, or a service not addressed on that port. */
    private static String noCell(ExpectedMatrix.Cell c, Trace.Port p, Selection from, Selection to) {
        if (from.workloads().stream().noneMatch(w -> w.id().equals(c.from()))) {
            return "a source the table's from selects; " + c.from() + " is not one";
        }
        boolean isService = to.services().stream().anyMatch(s -> s.id().equals(c.to()));
        if (!isService && to.workloads().stream().noneMatch(w -> w.id().equals(c.to()))) {
            return "a destination the table's to selects; " + c.to() + " is not one";
        }
        if (isService) {
            return "a port " + c.to() + " is addressed on (a service port or a node port; ICMP never reaches a service),"
                    + " so that " + c.from() + " -> " + c.to() + " is a cell on " + p.text() + ": it has none; write - in a grid, or"
                    + " put the cell in a table of the service's ports";
        }
        return "a cell of the matrix: " + c.from() + " -> " + c.to() + " " + p.text() + " is none";
    }

    private static String key(String from, String to, Trace.Port port) {
        return from + " " + to + " " + port.text();
    }
}
