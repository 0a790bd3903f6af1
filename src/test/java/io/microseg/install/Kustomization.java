package io.microseg.install;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a kustomization as {@code kubectl kustomize} does, for the subset config/kubernetes uses, so
 * the install can be tested where no kustomize binary is: {@code resources} (YAML files inside the
 * kustomization's folder, and folders holding a kustomization), {@code configMapGenerator} ({@code name},
 * {@code files} as {@code path} or {@code key=path} inside the folder, {@code options.disableNameSuffixHash})
 * and {@code namespace}. Anything else (another field, a kind it cannot place in or out of a namespace,
 * a file outside the folder, an object twice) is an {@link IllegalArgumentException} naming it: a reader
 * that skipped what it does not understand would test a different install than the one applied.
 *
 * <p>Generated ConfigMaps keep their plain names: kustomize would append a hash of the content unless
 * {@code disableNameSuffixHash}, and rewrite the references to it, which changes no meaning;
 * {@link Rendered#hashedNames()} lists the names it would suffix.
 */
final class Kustomization {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "namespace", "resources", "configMapGenerator");
    private static final Set<String> GENERATOR_FIELDS = Set.of("name", "files", "options");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding");
    private static final Set<String> NAMESPACED = Set.of("ConfigMap", "ServiceAccount", "Role", "RoleBinding", "Service",
            "Deployment", "DaemonSet", "PodDisruptionBudget");

    /** The objects in the order met (kustomize sorts them; order carries no meaning), and the generated names kustomize would suffix. */
    record Rendered(List<Map<String, Object>> objects, Set<String> hashedNames) {}

    private Kustomization() {}

    static Rendered render(Path folder) throws IOException {
        List<Map<String, Object>> objects = new ArrayList<>();
        Set<String> hashed = new LinkedHashSet<>();
        render(folder.toRealPath(), objects, hashed);
        Set<String> seen = new LinkedHashSet<>();
        for (Map<String, Object> o : objects) {
            if (!seen.add(id(o))) throw new IllegalArgumentException("the kustomization of " + folder + " holds " + id(o) + " twice");
        }
        return new Rendered(List.copyOf(objects), Set.copyOf(hashed));
    }

    /** {@code Kind namespace/name}, or {@code Kind name} for a cluster-scoped object. */
    static String id(Map<String, Object> object) {
        Map<String, Object> metadata = map(object.get("metadata"), "metadata of a " + object.get("kind"));
        Object namespace = metadata.get("namespace");
        return object.get("kind") + " " + (namespace == null ? "" : namespace + "/") + metadata.get("name");
    }

    private static void render(Path folder, List<Map<String, Object>> out, Set<String> hashed) throws IOException {
        Path file = folder.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("expected " + file + ", found none");
        Map<String, Object> k = YAML.readValue(file.toFile(), MAP);
        for (String field : k.keySet()) {
            if (!FIELDS.contains(field)) throw new IllegalArgumentException(file + ": field " + field + " is not understood by this reader");
        }
        if (!"kustomize.config.k8s.io/v1beta1".equals(k.get("apiVersion")) || !"Kustomization".equals(k.get("kind"))) {
            throw new IllegalArgumentException(file + ": expected apiVersion kustomize.config.k8s.io/v1beta1 and kind Kustomization");
        }
        List<Map<String, Object>> mine = new ArrayList<>();
        for (String resource : strings(k.get("resources"), file + ": resources")) {
            Path path = folder.resolve(resource).normalize();
            if (Files.isDirectory(path)) {
                render(path.toRealPath(), mine, hashed);
            } else {
                for (Map<String, Object> doc : documents(inside(folder, path, file + ": resource " + resource))) mine.add(doc);
            }
        }
        for (Object g : list(k.get("configMapGenerator"), file + ": configMapGenerator")) {
            mine.add(configMap(folder, file, map(g, file + ": a configMapGenerator entry"), hashed));
        }
        Object namespace = k.get("namespace");
        if (namespace != null) {
            for (Map<String, Object> o : mine) place(o, (String) namespace, file);
        }
        out.addAll(mine);
    }

    private static Map<String, Object> configMap(Path folder, Path file, Map<String, Object> g, Set<String> hashed) throws IOException {
        for (String field : g.keySet()) {
            if (!GENERATOR_FIELDS.contains(field)) {
                throw new IllegalArgumentException(file + ": configMapGenerator field " + field + " is not understood by this reader");
            }
        }
        String name = (String) g.get("name");
        if (name == null) throw new IllegalArgumentException(file + ": a configMapGenerator entry without a name");
        boolean suffix = true;
        if (g.get("options") != null) {
            Map<String, Object> options = map(g.get("options"), file + ": options of " + name);
            for (String option : options.keySet()) {
                if (!option.equals("disableNameSuffixHash")) {
                    throw new IllegalArgumentException(file + ": configMapGenerator option " + option + " is not understood by this reader");
                }
            }
            suffix = !Boolean.TRUE.equals(options.get("disableNameSuffixHash"));
        }
        if (suffix) hashed.add(name);
        Map<String, Object> data = new LinkedHashMap<>();
        for (String entry : strings(g.get("files"), file + ": files of " + name)) {
            int eq = entry.indexOf('=');
            String source = eq < 0 ? entry : entry.substring(eq + 1);
            Path path = inside(folder, folder.resolve(source).normalize(), file + ": file " + source + " of " + name);
            String key = eq < 0 ? path.getFileName().toString() : entry.substring(0, eq);
            if (data.put(key, Files.readString(path, StandardCharsets.UTF_8)) != null) {
                throw new IllegalArgumentException(file + ": key " + key + " twice in " + name);
            }
        }
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("apiVersion", "v1");
        cm.put("kind", "ConfigMap");
        cm.put("metadata", new LinkedHashMap<>(Map.of("name", name)));
        cm.put("data", data);
        return cm;
    }

    /** kustomize's default load restriction: a file a kustomization reads must be inside its folder. */
    private static Path inside(Path folder, Path path, String what) throws IOException {
        if (!Files.isRegularFile(path)) throw new IllegalArgumentException(what + ": expected a file or a folder with a kustomization, found none");
        Path real = path.toRealPath();
        if (!real.startsWith(folder)) throw new IllegalArgumentException(what + ": " + real + " is outside " + folder + ", which kustomize refuses");
        return real;
    }

    private static void place(Map<String, Object> object, String namespace, Path file) {
        String kind = String.valueOf(object.get("kind"));
        if (CLUSTER_SCOPED.contains(kind)) return;
        if (!NAMESPACED.contains(kind)) {
            throw new IllegalArgumentException(file + ": this reader does not know whether a " + kind + " is namespaced");
        }
        Map<String, Object> metadata = map(object.get("metadata"), "metadata of " + kind);
        Object own = metadata.get("namespace");
        if (own != null && !own.equals(namespace)) {
            throw new IllegalArgumentException(file + ": " + id(object) + " says namespace " + own + ", the kustomization " + namespace);
        }
        metadata.put("namespace", namespace);
    }

    private static List<Map<String, Object>> documents(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (MappingIterator<Map<String, Object>> it = YAML.readerFor(MAP).readValues(file.toFile())) {
            while (it.hasNext()) {
                Map<String, Object> doc = it.next();
                if (doc == null || doc.isEmpty()) continue;
                if (doc.get("kind") == null || doc.get("apiVersion") == null) {
                    throw new IllegalArgumentException(file + ": a document without apiVersion and kind");
                }
                docs.add(doc);
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String what) {
        if (value instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw new IllegalArgumentException(what + ": expected a mapping, found " + value);
    }

    private static List<?> list(Object value, String what) {
        if (value == null) return List.of();
        if (value instanceof List<?> l) return l;
        throw new IllegalArgumentException(what + ": expected a list, found " + value);
    }

    private static List<String> strings(Object value, String what) {
        List<String> out = new ArrayList<>();
        for (Object o : list(value, what)) {
            if (!(o instanceof String s)) throw new IllegalArgumentException(what + ": expected strings, found " + o);
            out.add(s);
        }
        return out;
    }
}
