package io.microseg.matrix;

import io.microseg.explain.Verdict;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * The matrix for people: one row per pair of groups (a class of workloads the rules cannot tell
 * apart, named by what its members share; a service), a column per port with the verdict that holds
 * for every cell of the pair ({@code -} where the pair has no cell: a service without that port), and
 * how many cells the row stands for per port. Then the members of each group of several.
 */
public final class MatrixTable {
    private static final int MEMBERS_SHOWN = 8;

    private MatrixTable() {}

    /** Writes the table to {@code out}, which is not closed. */
    public static void write(Matrix m, Writer out) {
        List<String[]> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("FROM", "TO"));
        m.ports().forEach(p -> header.add(p.text()));
        header.add("CELLS");
        rows.add(header.toArray(String[]::new));
        for (int f = 0; f < m.from().size(); f++) {
            for (int t = 0; t < m.to().size(); t++) {
                String[] row = new String[m.ports().size() + 3];
                row[0] = label(m.from().get(f));
                row[1] = label(m.to().get(t));
                boolean any = false;
                for (int p = 0; p < m.ports().size(); p++) {
                    Verdict v = m.verdict(p, f, t);
                    row[p + 2] = v == null ? "-" : v.name();
                    any |= v != null;
                }
                if (!any) continue;
                row[row.length - 1] = Long.toString(m.cells(f, t));
                rows.add(row);
            }
        }
        try {
            out.write(count(m.from().stream().mapToInt(g -> g.members().size()).sum(), "source") + " in " + count(m.from().size(), "group")
                    + ", " + count(m.to().stream().mapToInt(g -> g.members().size()).sum(), "destination") + " in " + count(m.to().size(), "group")
                    + ", " + count(m.ports().size(), "port") + ": " + count(m.cellCount(), "cell") + " from " + count(m.traced(), "traced flow")
                    + "\n\n");
            int[] width = new int[header.size()];
            for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    line.append(r[i]);
                    if (i < r.length - 1) line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
                out.write(line.toString().stripTrailing());
                out.write('\n');
            }
            List<Matrix.Group> several = new ArrayList<>();
            m.from().stream().filter(g -> g.members().size() > 1).forEach(several::add);
            m.to().stream().filter(g -> g.members().size() > 1 && !several.contains(g)).forEach(several::add);
            if (!several.isEmpty()) out.write("\nGROUPS\n");
            for (Matrix.Group g : several) {
                List<String> shown = g.members().stream().limit(MEMBERS_SHOWN).toList();
                out.write("  " + label(g) + ": " + String.join(", ", shown)
                        + (g.members().size() > shown.size() ? " and " + (g.members().size() - shown.size()) + " more" : "") + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String count(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static String label(Matrix.Group g) {
        return g.members().size() == 1 ? g.name() : g.name() + " (" + g.members().size() + ")";
    }
}
