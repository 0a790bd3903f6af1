package io.microseg.enforce.netns;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Finds the network namespaces an agent applies into: its own, and each local pod's from the pod's id and
 * addresses. A pod is either {@link Resolution.Found found} or {@link Resolution.Pending pending} with the
 * reason; a resolver never guesses (two candidates are pending, not a pick).
 */
public interface NetnsResolver {
    /** Where the agent's own rules go (the agent's namespace, unless a mapping file names another). */
    NetnsRef own(String agent);

    /**
     * Resolves these pods (id to their addresses) at once: a resolver that scans scans once per call.
     * Returns one resolution per pod given.
     */
    Map<String, Resolution> resolve(Map<String, List<String>> pods);

    /** Whether {@code ref}, as this resolver handed it out, still leads to the same namespace. */
    default boolean stillThere(NetnsRef ref) {
        return true;
    }

    /**
     * Every namespace this resolver can reach besides the agent's own (for {@code enforce --uninstall}).
     *
     * @throws IOException when they cannot be listed
     */
    List<NetnsRef> reachable() throws IOException;

    /** How a pod resolved. */
    sealed interface Resolution {
        record Found(NetnsRef ref) implements Resolution {}

        record Pending(String reason) implements Resolution {}
    }

    /** Looks for no pod namespace: the agent's own only (a host, or a node whose pods are not enforced). */
    static NetnsResolver none() {
        return new NetnsResolver() {
            @Override
            public NetnsRef own(String agent) {
                return NetnsRef.OWN;
            }

            @Override
            public Map<String, Resolution> resolve(Map<String, List<String>> pods) {
                Map<String, Resolution> out = new java.util.TreeMap<>();
                pods.keySet().forEach(p -> out.put(p, new Resolution.Pending("pod namespaces are not looked for (--netns none)")));
                return out;
            }

            @Override
            public List<NetnsRef> reachable() {
                return List.of();
            }
        };
    }
}
