package io.microseg.matrix;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.HashMap;
import java.util.Map;

/**
 * The flips as JSON, one per flipped flow (ordered pair of ends and port), for tools:
 * <pre>
 * {"flips":[
 * {"from":"pod/c/ns/a","to":"service/c/ns/b","port":"tcp/80","before":"ALLOW","after":"DENY",
 *  "before_by":{"policy":"ws/p","rule":"DRL rule","hop":"destination ingress"},"after_by":{...}},
 * ...
 * ],"summary":{"allowToDeny":N,"denyToAllow":N}}
 * </pre>
 * one flip a line, in {@link Diff#forEachFlip} order; {@code *_by} as {@link Diff.By} (null members
 * written as null). Streamed.
 */
public final class DiffJson {
    private DiffJson() {}

    /** Writes the JSON to {@code out}, which is not closed. */
    public static void write(Diff d, Writer out) {
        write(d, out, Long.MAX_VALUE);
    }

    /**
     * Writes the JSON listing at most {@code maxListed} flips (the first ones in order); when it lists
     * fewer than flip, {@code "truncated":true} follows the list. The summary counts them all.
     */
    public static void write(Diff d, Writer out, long maxListed) {
        Map<Object, String> quoted = new HashMap<>();
        boolean[] first = {true};
        long[] listed = {0};
        try {
            out.write("{\"flips\":[");
            d.forEachFlip(c -> {
                if (listed[0] >= maxListed) return;
                listed[0]++;
                try {
                    out.write(first[0] ? "\n{\"from\":" : ",\n{\"from\":");
                    first[0] = false;
                    out.write(quoted.computeIfAbsent(c.from(), DiffJson::quote));
                    out.write(",\"to\":");
                    out.write(quoted.computeIfAbsent(c.to(), DiffJson::quote));
                    out.write(",\"port\":");
                    out.write(quoted.computeIfAbsent(c.port(), p -> quote(c.port().text())));
                    out.write(",\"before\":\"" + c.flip().before() + "\",\"after\":\"" + c.flip().after() + "\",\"before_by\":");
                    out.write(quoted.computeIfAbsent(c.flip().beforeBy(), DiffJson::by));
                    out.write(",\"after_by\":");
                    out.write(quoted.computeIfAbsent(c.flip().afterBy(), DiffJson::by));
                    out.write("}");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            boolean truncated = listed[0] < d.allowToDeny() + d.denyToAllow();
            out.write((first[0] ? "" : "\n") + "]," + (truncated ? "\"truncated\":true," : "") + "\"summary\":{\"allowToDeny\":" + d.allowToDeny() + ",\"denyToAllow\":" + d.denyToAllow()
                    + "}}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String by(Object o) {
        Diff.By b = (Diff.By) o;
        return "{\"policy\":" + quoteOrNull(b.policy()) + ",\"rule\":" + quoteOrNull(b.rule()) + ",\"hop\":" + quoteOrNull(b.hop()) + "}";
    }

    private static String quoteOrNull(String s) {
        return s == null ? "null" : quote(s);
    }

    private static String quote(Object text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text.toString())) + "\"";
    }
}
