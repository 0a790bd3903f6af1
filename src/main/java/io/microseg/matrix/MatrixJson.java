package io.microseg.matrix;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.HashMap;
import java.util.Map;

/**
 * The matrix as JSON, every cell listed, for tools:
 * {@code {"cells":[{"from":"pod/c/ns/a","to":"pod/c/ns/b","port":"tcp/80","verdict":"ALLOW"}, ...]}},
 * one cell a line, in {@link Matrix#forEachCell} order. {@code from} is a workload id, {@code to} a
 * workload or service id, {@code port} as {@code --port} writes it, {@code verdict} ALLOW or DENY.
 * Streamed, each id quoted once: a 1,000-pod cluster on three ports is three million cells.
 */
public final class MatrixJson {
    private MatrixJson() {}

    /** Writes the JSON to {@code out}, which is not closed. */
    public static void write(Matrix m, Writer out) {
        Map<Object, String> quoted = new HashMap<>();
        boolean[] first = {true};
        try {
            out.write("{\"cells\":[");
            m.forEachCell(c -> {
                try {
                    out.write(first[0] ? "\n{\"from\":" : ",\n{\"from\":");
                    first[0] = false;
                    out.write(quoted.computeIfAbsent(c.from(), MatrixJson::quote));
                    out.write(",\"to\":");
                    out.write(quoted.computeIfAbsent(c.to(), MatrixJson::quote));
                    out.write(",\"port\":");
                    out.write(quoted.computeIfAbsent(c.port(), p -> quote(c.port().text())));
                    out.write(",\"verdict\":\"");
                    out.write(c.verdict().name());
                    out.write("\"}");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.write("\n]}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(Object text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text.toString())) + "\"";
    }
}
