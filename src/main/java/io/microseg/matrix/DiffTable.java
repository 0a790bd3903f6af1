package io.microseg.matrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * The flips for people: one row per pair of groups and port that flips (the groups are classes under
 * both versions, named as the matrix names them), with how many flows it stands for, and under it who
 * decided before and after ({@link Diff.By}). Then the members of each group of several.
 */
public final class DiffTable {
    private static final int MEMBERS_SHOWN = 8;

    private DiffTable() {}

    /** Writes the table to {@code out}, which is not closed. */
    public static void write(Diff d, Writer out) {
        List<String[]> rows = new ArrayList<>();
        List<String[]> by = new ArrayList<>();
        rows.add(new String[] {"FROM", "TO", "PORT", "CHANGE", "FLOWS"});
        by.add(null);
        List<Matrix.Group> shown = new ArrayList<>();
        for (int f = 0; f < d.from().size(); f++) {
            for (int t = 0; t < d.to().size(); t++) {
                for (int p = 0; p < d.ports().size(); p++) {
                    Diff.Flip x = d.flips()[p][f][t];
                    if (x == null) continue;
                    rows.add(new String[] {label(d.from().get(f)), label(d.to().get(t)), d.ports().get(p).text(),
                            x.before() + " -> " + x.after(), Long.toString(d.cells(f, t))});
                    by.add(new String[] {"    before: " + x.beforeBy().words(), "    after:  " + x.afterBy().words()});
                    for (Matrix.Group g : List.of(d.from().get(f), d.to().get(t))) {
                        if (g.members().size() > 1 && !shown.contains(g)) shown.add(g);
                    }
                }
            }
        }
        try {
            long a = d.allowToDeny();
            long n = d.denyToAllow();
            out.write(a + n == 0 ? "nothing flips" : (a + n) + " flow" + (a + n == 1 ? "" : "s") + " flip: " + a + " ALLOW -> DENY, "
                    + n + " DENY -> ALLOW");
            out.write(" (" + d.ports().size() + " port" + (d.ports().size() == 1 ? "" : "s") + ", " + d.traced() + " flows traced on each side)\n");
            if (a + n == 0) return;
            out.write('\n');
            int[] width = new int[5];
            for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
            for (int i = 0; i < rows.size(); i++) {
                String[] r = rows.get(i);
                StringBuilder line = new StringBuilder();
                for (int c = 0; c < r.length; c++) {
                    line.append(r[c]);
                    if (c < r.length - 1) line.append(" ".repeat(width[c] - r[c].length() + 2));
                }
                out.write(line.toString().stripTrailing());
                out.write('\n');
                if (by.get(i) != null) for (String l : by.get(i)) out.write(l + "\n");
            }
            if (!shown.isEmpty()) out.write("\nGROUPS\n");
            for (Matrix.Group g : shown) {
                List<String> some = g.members().stream().limit(MEMBERS_SHOWN).toList();
                out.write("  " + label(g) + ": " + String.join(", ", some)
                        + (g.members().size() > some.size() ? " and " + (g.members().size() - some.size()) + " more" : "") + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String label(Matrix.Group g) {
        return g.members().size() == 1 ? g.name() : g.name() + " (" + g.members().size() + ")";
    }
}
