package io.microseg.input;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Locale;

/**
 * How error messages name alternatives ("a, b and c", the known word a typo most likely meant) and
 * what a document held where something else was expected.
 */
public final class Wording {
    private Wording() {}

    /** Whether a YAML field is there at all (not missing, not null). */
    public static boolean present(JsonNode node) {
        return !node.isMissingNode() && !node.isNull();
    }

    /** A YAML node as an error message shows what was found: "nothing", "a mapping", "\"x\"", 42. */
    public static String found(JsonNode node) {
        if (!present(node)) return "nothing";
        if (node.isObject()) return "a mapping";
        if (node.isArray()) return "a list";
        if (node.isTextual()) return '"' + node.asText() + '"';
        return node.asText();
    }

    /** "a", "a and b", "a, b and c". */
    public static String listed(List<String> words) {
        if (words.size() == 1) return words.get(0);
        return String.join(", ", words.subList(0, words.size() - 1)) + " and " + words.get(words.size() - 1);
    }

    /** The known word a typo most likely meant: within two edits, ignoring case; null when none is that close. */
    public static String closest(String typo, List<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(typo.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
