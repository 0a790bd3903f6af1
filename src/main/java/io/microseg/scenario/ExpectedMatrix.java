package io.microseg.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.microseg.explain.Trace;
import io.microseg.explain.Verdict;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import io.microseg.matrix.Selection;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A truth table a scenario expects ({@code expect.matrix[i]}): on each of {@code ports}, which sources
 * reach which destinations, as {@code microseg matrix} (and so {@code trace}) decides it. Written either
 * as a grid (rows are sources, columns destinations, {@code .} ALLOW, {@code X} DENY, {@code -} not
 * checked) or as a list of cells between ends given by id or by query, where {@code unlisted: DENY}
 * (or ALLOW) expects every other cell of the table to be DENY (or ALLOW). The format is documented in
 * docs/policy-experts.md ("Truth tables"). Reading checks everything that needs no inventory; that the
 * ids name inventory items is checked when the scenario runs ({@link MatrixCheck}).
 *
 * @param title        the table's name, for messages; "expect.matrix[i]" when it has none
 * @param where        where the table is written
 * @param ports        the ports every cell is asked on (a cell may name one of them)
 * @param from         the sources: a query or ids
 * @param to           the destinations: a query or ids
 * @param cells        the expected cells; a grid's cells with the line of their row
 * @param unlisted     the verdict every cell of from x to x ports not in {@code cells} is expected to have; null
 *                     when they are not checked
 */
record ExpectedMatrix(String title, Where where, List<Trace.Port> ports, Ends from, Ends to, List<Cell> cells,
                      Verdict unlisted) {

    /** Where something is written in a scenario file, for errors and failures that name it. */
    record Where(String file, int line, String field) {
        InputException error(String expected) {
            return new InputException(file, line, null, field, expected);
        }

        @Override
        public String toString() {
            return "line " + line + " (" + field + ")";
        }
    }

    /** One end named by id, where it is written. */
    record End(String id, Where where) {}

    /** The ends of one side: those {@code query} selects, or exactly {@code ids} (query null). */
    record Ends(String query, List<End> ids, Where where) {
        boolean byId() {
            return query == null;
        }

        boolean names(String id) {
            return ids.stream().anyMatch(e -> e.id().equals(id));
        }
    }

    /** An expected verdict from {@code from} to {@code to} on {@code port} (null: on every port of the table). */
    record Cell(String from, String to, Trace.Port port, Verdict verdict, Where where) {}

    private static final Pattern WORKLOAD = Pattern.compile("(host/[^/\\s]+|node/[^/\\s]+/[^/\\s]+|pod/[^/\\s]+/[^/\\s]+/[^/\\s]+)");
    private static final Pattern SERVICE = Pattern.compile("service/[^/\\s]+/[^/\\s]+/[^/\\s]+");
    private static final String SOURCE_IDS = "a workload id: host/<name>, node/<cluster>/<name> or pod/<cluster>/<namespace>/<name>";
    private static final String DESTINATION_IDS = "a workload or service id: host/<name>, node/<cluster>/<name>,"
            + " pod/<cluster>/<namespace>/<name> or service/<cluster>/<namespace>/<name>";

    /** The tables of {@code expect.matrix}: a list; empty when the field is missing. */
    static List<ExpectedMatrix> read(Document doc, JsonNode node, String field) {
        List<ExpectedMatrix> out = new ArrayList<>();
        if (node.isMissingNode()) return out;
        if (!node.isArray() || node.isEmpty()) throw where(doc, field).error("a list of truth tables (each with ports and a grid or cells)");
        for (int i = 0; i < node.size(); i++) out.add(table(doc, node.get(i), field + "[" + i + "]"));
        return out;
    }

    private static ExpectedMatrix table(Document doc, JsonNode t, String field) {
        Where at = where(doc, field);
        if (!t.isObject()) throw at.error("a truth table: {ports: [...], grid: ...} or {ports: [...], from: ..., to: ..., cells: [...]}");
        Scenario.allow(doc, t, field + ".", "name", "ports", "grid", "from", "to", "cells", "unlisted");
        String title = t.hasNonNull("name") ? "\"" + t.get("name").asText() + "\"" : field;
        List<Trace.Port> ports = ports(doc, t.path("ports"), field + ".ports");
        boolean grid = t.has("grid");
        if (grid == t.has("cells")) throw at.error("either grid (a truth table of . and X) or cells (a list of {from, to, verdict}), not "
                + (grid ? "both" : "neither"));
        if (grid) {
            for (String f : List.of("from", "to", "unlisted")) {
                if (t.has(f)) throw where(doc, field + "." + f).error("no " + f + " with a grid: its header names the destinations, its rows"
                        + " the sources, and - marks a cell not checked");
            }
            return Grid.read(doc, t.get("grid"), field + ".grid", title, at, ports);
        }
        Ends from = ends(doc, t.path("from"), field + ".from", false);
        Ends to = ends(doc, t.path("to"), field + ".to", true);
        Verdict unlisted = unlisted(doc, t.path("unlisted"), field + ".unlisted");
        List<Cell> cells = cells(doc, t.path("cells"), field + ".cells", ports, from, to);
        if (cells.isEmpty() && unlisted == null) {
            throw where(doc, field + ".cells").error("at least one cell, or unlisted: DENY (nothing reaches) or ALLOW (everything does)");
        }
        return new ExpectedMatrix(title, at, ports, from, to, cells, unlisted);
    }

    private static List<Trace.Port> ports(Document doc, JsonNode node, String field) {
        if (!node.isArray() || node.isEmpty()) throw where(doc, field).error("a list of ports such as [tcp/80, udp/53, icmp]");
        Set<Trace.Port> out = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            Trace.Port p = port(doc, node.get(i), field + "[" + i + "]");
            if (!out.add(p)) throw where(doc, field + "[" + i + "]").error("each port once; " + p.text() + " is listed twice");
        }
        return List.copyOf(out);
    }

    static Trace.Port port(Document doc, JsonNode node, String field) {
        try {
            return Trace.Port.parse(node.isValueNode() ? node.asText() : node.toString());
        } catch (InputException e) {
            throw where(doc, field).error(e.expected());
        }
    }

    private static Ends ends(Document doc, JsonNode node, String field, boolean destinations) {
        Where at = where(doc, field);
        if (node.isMissingNode()) return new Ends("*", List.of(), at);
        if (node.isTextual()) {
            String text = node.asText();
            if (isId(text, destinations)) throw at.error("ids as a list ([" + text + "]), or a query; a bare id is not a query");
            try {
                Selection.parse(field, text);
            } catch (InputException e) {
                throw at.error(e.expected());
            }
            return new Ends(text, List.of(), at);
        }
        if (!node.isArray() || node.isEmpty()) throw at.error("a list of ids, or a query (as a policy's consumer)");
        List<End> ids = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            End e = end(doc, node.get(i), field + "[" + i + "]", destinations);
            if (ids.stream().anyMatch(x -> x.id().equals(e.id()))) throw e.where().error("each id once; " + e.id() + " is listed twice");
            ids.add(e);
        }
        return new Ends(null, List.copyOf(ids), at);
    }

    private static End end(Document doc, JsonNode node, String field, boolean destination) {
        Where at = where(doc, field);
        if (!node.isTextual() || !isId(node.asText(), destination)) {
            throw at.error(destination ? DESTINATION_IDS : SOURCE_IDS + (isId(node.asText(), true) ? " (a service is a destination only)" : "")
                    + ", found '" + node.asText() + "'");
        }
        return new End(node.asText(), at);
    }

    private static Verdict unlisted(Document doc, JsonNode node, String field) {
        if (node.isMissingNode()) return null;
        String v = node.asText();
        if (node.isTextual() && (v.equals("DENY") || v.equals("ALLOW"))) return Verdict.valueOf(v);
        if (node.isTextual() && v.equals("unchecked")) return null;
        throw where(doc, field).error("DENY or ALLOW (what every cell of the table not listed must be), or unchecked (the default), found '"
                + (node.isValueNode() ? v : node.toString()) + "'");
    }

    private static List<Cell> cells(Document doc, JsonNode node, String field, List<Trace.Port> ports, Ends from, Ends to) {
        if (!node.isArray()) throw where(doc, field).error("a list of cells: {from: <id>, to: <id>, port: tcp/80, verdict: ALLOW}");
        List<Cell> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String f = field + "[" + i + "]";
            JsonNode c = node.get(i);
            if (!c.isObject()) throw where(doc, f).error("a cell: {from: <id>, to: <id>, port: tcp/80, verdict: ALLOW}");
            Scenario.allow(doc, c, f + ".", "from", "to", "port", "verdict");
            for (String required : List.of("from", "to", "verdict")) {
                if (!c.has(required)) throw where(doc, f + "." + required).error("the cell's " + required + " (from, to and verdict are required)");
            }
            End src = end(doc, c.get("from"), f + ".from", false);
            End dst = end(doc, c.get("to"), f + ".to", true);
            if (from.byId() && !from.names(src.id())) throw src.where().error("one of the table's from " + ids(from) + ", found " + src.id());
            if (to.byId() && !to.names(dst.id())) throw dst.where().error("one of the table's to " + ids(to) + ", found " + dst.id());
            if (src.id().equals(dst.id())) throw dst.where().error("another end than from: a workload to itself crosses no firewall and is no cell");
            Trace.Port port = null;
            if (c.has("port")) {
                port = port(doc, c.get("port"), f + ".port");
                if (!ports.contains(port)) throw where(doc, f + ".port").error("one of the table's ports " + texts(ports) + ", found " + port.text());
            }
            Verdict v = verdict(doc, c.get("verdict"), f + ".verdict");
            for (Trace.Port p : port == null ? ports : List.of(port)) {
                if (!seen.add(src.id() + " " + dst.id() + " " + p.text())) {
                    throw where(doc, f).error("each cell once; " + src.id() + " -> " + dst.id() + " " + p.text() + " is listed twice");
                }
            }
            out.add(new Cell(src.id(), dst.id(), port, v, where(doc, f)));
        }
        return out;
    }

    private static Verdict verdict(Document doc, JsonNode node, String field) {
        String v = node.asText();
        if (node.isTextual() && (v.equals("ALLOW") || v.equals("DENY"))) return Verdict.valueOf(v);
        throw where(doc, field).error("ALLOW or DENY, found '" + (node.isValueNode() ? v : node.toString()) + "'");
    }

    static boolean isId(String text, boolean serviceToo) {
        return WORKLOAD.matcher(text).matches() || (serviceToo && SERVICE.matcher(text).matches());
    }

    static String texts(List<Trace.Port> ports) {
        return ports.stream().map(Trace.Port::text).toList().toString();
    }

    private static String ids(Ends e) {
        return e.ids().stream().map(End::id).toList().toString();
    }

    static Where where(Document doc, String field) {
        return new Where(doc.file(), doc.lineOf(field), field);
    }

    /**
     * A grid, in the style of the Kubernetes network-policy truth tables: a header line (a corner mark,
     * then the destination ids), then one line per source (its id, then one mark per destination).
     * A YAML literal block ({@code grid: |}) keeps each line on its own line of the file, which is the
     * line a row's errors and failures name.
     */
    private static final class Grid {
        private Grid() {}

        static ExpectedMatrix read(Document doc, JsonNode node, String field, String title, Where at, List<Trace.Port> ports) {
            Where gridAt = where(doc, field);
            if (!node.isTextual()) throw gridAt.error("a grid as a literal block (grid: |): a header line (- then the destination ids),"
                    + " then a line per source (its id, then . X or - per destination)");
            String[] lines = node.asText().split("\n", -1);
            boolean block = lines.length > 1;
            List<End> columns = null;
            List<End> rows = new ArrayList<>();
            List<Cell> cells = new ArrayList<>();
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i].strip();
                if (line.isEmpty() || line.startsWith("#")) continue;
                Where rowAt = new Where(gridAt.file(), block ? gridAt.line() + 1 + i : gridAt.line(), field + ", line " + (i + 1) + " of the grid");
                String[] words = line.split("\\s+");
                if (columns == null) {
                    columns = header(words, rowAt);
                    continue;
                }
                String source = words[0];
                if (!isId(source, false)) {
                    throw rowAt.error("a row starting with the source, " + SOURCE_IDS + (isId(source, true) ? " (a service is a destination only)" : "")
                            + ", found '" + source + "'");
                }
                if (rows.stream().anyMatch(r -> r.id().equals(source))) throw rowAt.error("each source once; " + source + " has two rows");
                if (words.length - 1 != columns.size()) {
                    throw rowAt.error(columns.size() + " marks after " + source + ", one per destination of the header, found " + (words.length - 1));
                }
                rows.add(new End(source, rowAt));
                for (int c = 0; c < columns.size(); c++) {
                    String to = columns.get(c).id();
                    String mark = words[c + 1];
                    Verdict v = mark(mark, source, to, rowAt);
                    if (source.equals(to) && v != null) {
                        throw rowAt.error("- where " + source + " meets itself: a workload to itself crosses no firewall and is no cell, found '" + mark + "'");
                    }
                    if (v != null) cells.add(new Cell(source, to, null, v, rowAt));
                }
            }
            if (columns == null || rows.isEmpty()) throw gridAt.error("a header line (- then the destination ids) and at least one row");
            return new ExpectedMatrix(title, at, ports, new Ends(null, List.copyOf(rows), gridAt), new Ends(null, columns, gridAt),
                    List.copyOf(cells), null);
        }

        private static List<End> header(String[] words, Where at) {
            if (isId(words[0], true)) {
                throw at.error("a header starting with a corner mark such as -, then the destination ids; found an id first: " + words[0]);
            }
            if (words.length < 2) throw at.error("a header with at least one destination id after the corner mark");
            List<End> columns = new ArrayList<>();
            for (int c = 1; c < words.length; c++) {
                String id = words[c];
                if (!isId(id, true)) throw at.error("destination " + c + " of the header: " + DESTINATION_IDS + ", found '" + id + "'");
                if (columns.stream().anyMatch(x -> x.id().equals(id))) throw at.error("each destination once; " + id + " is a column twice");
                columns.add(new End(id, at));
            }
            return List.copyOf(columns);
        }

        /** {@code .} or ALLOW, {@code X} or DENY, {@code -} for a cell not checked (null). */
        private static Verdict mark(String mark, String from, String to, Where at) {
            switch (mark.toUpperCase(Locale.ROOT)) {
                case ".", "ALLOW": return Verdict.ALLOW;
                case "X", "DENY": return Verdict.DENY;
                case "-": return null;
                default: throw at.error(". (ALLOW), X (DENY) or - (not checked) for " + from + " -> " + to + ", found '" + mark + "'");
            }
        }
    }
}
