package io.microseg.enforce;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where a workload's network namespace is, as a name {@code ip netns exec} accepts. Empty means: the
 * namespace the agent runs in (for the agent's own node or host), or not known yet (for a pod: its
 * rules are applied once it is known).
 *
 * <p>{@link #mappingFile} reads a YAML or JSON mapping {@code workload id -> netns name}, e.g.
 * {@code pod/demo/data/db-0: ns-db0}, and may also map the agent's own id ({@code node/demo/node-1:
 * ns-node1}) when the node is itself a namespace, as in the end-to-end test. It is re-read on every
 * lookup batch, so a demo can add pods while the agent runs. A production resolver would ask the
 * container runtime (CRI: {@code crictl inspectp <pod sandbox>} gives the sandbox's netns path) or read
 * {@code /proc/<pid of the pod's pause process>/ns/net}, and enter that path rather than a name.
 */
public interface PodNamespaces {
    Optional<String> netnsOf(String workload);

    static PodNamespaces none() {
        return w -> Optional.empty();
    }

    static PodNamespaces mappingFile(Path file) {
        return new PodNamespaces() {
            private long stamp = Long.MIN_VALUE;
            private Map<String, String> map = Map.of();

            @Override
            public synchronized Optional<String> netnsOf(String workload) {
                try {
                    long now = Files.getLastModifiedTime(file).toMillis() ^ Files.size(file);
                    if (now != stamp) {
                        map = read(file);
                        stamp = now;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read netns map " + file + ": " + e.getMessage(), e);
                }
                return Optional.ofNullable(map.get(workload));
            }
        };
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> read(Path file) throws IOException {
        Map<String, Object> raw = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Map.class);
        Map<String, String> out = new TreeMap<>();
        if (raw != null) raw.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
