package io.microseg.enforce.netns;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Namespaces from a hand-written YAML or JSON mapping {@code workload id -> namespace}, for hosts and tests:
 * {@code pod/demo/data/db-0: ns-db0}. A value is a name under {@code /run/netns} ({@code ip netns exec}) or an
 * absolute path such as {@code /proc/123/ns/net} ({@code nsenter --net}). The agent's own id may be mapped too
 * ({@code node/demo/node-1: ns-node1}) when its node is itself a namespace. The file is read again when it
 * changes, so pods can be added while the agent runs. A pod it does not map is pending.
 *
 * <p>Fail closed: a file that cannot be read or holds a bad entry is an error naming the file and the entry;
 * the agent's own lookup then fails (its apply fails and the rules in force stay) and every pod is pending.
 */
public final class MappingFile implements NetnsResolver {
    private final Path file;
    /** The bytes last parsed: a file rewritten within one timestamp tick, or to the same size, is still seen. */
    private byte[] parsed;
    private Map<String, NetnsRef> map = Map.of();
    private String problem;

    public MappingFile(Path file) {
        this.file = file;
    }

    @Override
    public synchronized NetnsRef own(String agent) {
        reload();
        if (problem != null) throw new UncheckedIOException(new IOException(problem));
        return map.getOrDefault(agent, NetnsRef.OWN);
    }

    @Override
    public synchronized Map<String, Resolution> resolve(Map<String, List<String>> pods) {
        reload();
        Map<String, Resolution> out = new TreeMap<>();
        for (String pod : pods.keySet()) {
            NetnsRef ref = map.get(pod);
            out.put(pod, problem != null ? new Resolution.Pending(problem)
                    : ref == null ? new Resolution.Pending("not in the netns map " + file) : new Resolution.Found(ref));
        }
        return out;
    }

    @Override
    public synchronized List<NetnsRef> reachable() throws IOException {
        reload();
        if (problem != null) throw new IOException(problem);
        List<NetnsRef> out = new ArrayList<>();
        map.values().stream().filter(r -> !(r instanceof NetnsRef.Own)).distinct().forEach(out::add);
        return out;
    }

    private void reload() {
        try {
            byte[] now = Files.readAllBytes(file);
            if (java.util.Arrays.equals(now, parsed)) return;
            parsed = null;
            map = read(now);
            parsed = now;
            problem = null;
        } catch (IOException | IllegalArgumentException e) {
            problem = "netns map " + file + ": " + e.getMessage();
            parsed = null;
        }
    }

    /** The mapping a file holds; an error naming the entry when a value is neither a name nor an absolute path. */
    @SuppressWarnings("unchecked")
    static Map<String, NetnsRef> read(byte[] content) throws IOException {
        Object raw;
        try {
            raw = new ObjectMapper(new YAMLFactory()).readValue(content, Object.class);
        } catch (IOException e) {
            throw new IOException("unreadable: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        Map<String, NetnsRef> out = new TreeMap<>();
        if (raw == null) return out;
        if (!(raw instanceof Map<?, ?> entries)) throw new IOException("expected a mapping 'workload id: netns name or path'");
        for (var e : ((Map<String, Object>) entries).entrySet()) {
            if (!(e.getValue() instanceof String v)) {
                throw new IOException("entry '" + e.getKey() + "': expected a netns name or an absolute path, found " + e.getValue());
            }
            try {
                out.put(e.getKey(), v.startsWith("/") ? new NetnsRef.ByPath(Path.of(v), 0) : new NetnsRef.Named(v));
            } catch (IllegalArgumentException x) {
                throw new IOException("entry '" + e.getKey() + "': " + x.getMessage());
            }
        }
        return out;
    }
}
