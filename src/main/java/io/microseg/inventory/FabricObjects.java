package io.microseg.inventory;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.microseg.input.Document;
import io.microseg.input.InputException;
import tools.jackson.core.JacksonException;

import java.util.Map;
import java.util.StringJoiner;

/**
 * Turns a YAML document into a fabric8 model object with fabric8's own serialization, so manifests
 * read from files mean exactly what they mean to the API client. A value of the wrong shape becomes
 * an {@link InputException} naming the field.
 */
final class FabricObjects {
    // Our documents are Jackson 2 trees; fabric8 8 runs on Jackson 3. Plain maps and lists cross over.
    private static final ObjectMapper TREES = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private FabricObjects() {}

    static <T> T convert(Document doc, Class<T> type) {
        Map<String, Object> plain = TREES.convertValue(doc.node(), MAP);
        try {
            return SERIALIZATION.convertValue(plain, type);
        } catch (RuntimeException e) {
            JacksonException cause = jacksonCause(e);
            if (cause == null) throw doc.error(null, "expected a valid " + doc.kind() + ": " + e.getMessage());
            throw doc.error(path(cause), "expected a value of the type Kubernetes defines here: " + readable(cause.getOriginalMessage()));
        }
    }

    private static JacksonException jacksonCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JacksonException j) return j;
        }
        return null;
    }

    /** "spec.ports[0].port", from Jackson's chain of references. */
    private static String path(JacksonException e) {
        StringJoiner path = new StringJoiner("");
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                path.add((path.length() == 0 ? "" : ".") + r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                path.add("[" + r.getIndex() + "]");
            }
        }
        return path.length() == 0 ? null : path.toString();
    }

    /** Jackson names Java types; users wrote YAML. */
    private static String readable(String message) {
        return message
                .replaceAll("`java\\.util\\.(\\w*List)(<[^`]*>)?`", "list")
                .replaceAll("`java\\.util\\.(\\w*Map)(<[^`]*>)?`", "mapping")
                .replaceAll("`java\\.lang\\.(Integer|Long|Short)`", "integer")
                .replaceAll("`java\\.lang\\.String`", "string")
                .replaceAll("`java\\.lang\\.Boolean`", "boolean")
                .replaceAll("`io\\.fabric8\\.[\\w.]*\\.(\\w+)`", "$1");
    }
}
