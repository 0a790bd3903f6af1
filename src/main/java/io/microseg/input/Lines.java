package io.microseg.input;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the fields and list items of one document were written, so that an error about
 * {@code spec.ports[1].port} names the line of that port rather than the line the object starts on.
 * Kept per container node (by identity), for the time the document is being read.
 */
public final class Lines {
    /** No positions known: every field is at the object's line. */
    public static final Lines NONE = new Lines();

    private final Map<JsonNode, Map<String, Integer>> fields = new IdentityHashMap<>();
    private final Map<JsonNode, List<Integer>> items = new IdentityHashMap<>();

    void field(JsonNode object, String name, int line) {
        if (this == NONE) return;
        fields.computeIfAbsent(object, o -> new HashMap<>()).putIfAbsent(name, line);
    }

    void item(JsonNode list, int line) {
        if (this == NONE) return;
        items.computeIfAbsent(list, l -> new ArrayList<>()).add(line);
    }

    /**
     * The line of {@code path} below {@code root}, such as {@code spec.ports[0].port} or
     * {@code metadata.labels["app.kubernetes.io/name"]}; where the path leaves what was written (a
     * missing field), the line of the deepest part that is there; {@code fallback} when not even the
     * first part is.
     */
    public int of(JsonNode root, String path, int fallback) {
        int line = fallback;
        JsonNode node = root;
        String rest = path == null ? "" : path;
        while (!rest.isEmpty() && node != null) {
            if (rest.startsWith(".")) rest = rest.substring(1);
            String key;
            if (rest.startsWith("[\"")) {
                int end = rest.indexOf("\"]");
                if (end < 0) break;
                key = rest.substring(2, end);
                rest = rest.substring(end + 2);
            } else if (rest.startsWith("[")) {
                int end = rest.indexOf(']');
                if (end < 0) break;
                int index;
                try {
                    index = Integer.parseInt(rest.substring(1, end));
                } catch (NumberFormatException e) {
                    break;
                }
                List<Integer> at = items.get(node);
                if (at == null || index < 0 || index >= at.size()) break;
                line = at.get(index);
                node = node.get(index);
                rest = rest.substring(end + 1);
                continue;
            } else {
                key = longestField(node, rest);
                if (key == null) break;
                rest = rest.substring(key.length());
            }
            Map<String, Integer> at = fields.get(node);
            if (at == null || !at.containsKey(key)) break;
            line = at.get(key);
            node = node.get(key);
        }
        return line;
    }

    /** The longest field of {@code node} that {@code path} starts with, whole: keys may hold dots themselves. */
    private String longestField(JsonNode node, String path) {
        Map<String, Integer> at = fields.get(node);
        if (at == null) return null;
        String best = null;
        for (String f : at.keySet()) {
            if (!path.startsWith(f)) continue;
            boolean whole = path.length() == f.length() || path.charAt(f.length()) == '.' || path.charAt(f.length()) == '[';
            if (whole && (best == null || f.length() > best.length())) best = f;
        }
        return best;
    }
}
