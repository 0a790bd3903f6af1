package io.microseg.enforce;

import io.microseg.enforce.netns.NetnsRef;
import io.microseg.enforce.netns.NetnsResolver;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A resolver for tests: workload id to a namespace name ({@code ip netns exec}); the agent's own id may be mapped too. */
final class FixedNetns implements NetnsResolver {
    private final Map<String, String> names;

    FixedNetns(Map<String, String> names) {
        this.names = Map.copyOf(names);
    }

    @Override
    public NetnsRef own(String agent) {
        return names.containsKey(agent) ? new NetnsRef.Named(names.get(agent)) : NetnsRef.OWN;
    }

    @Override
    public Map<String, Resolution> resolve(Map<String, List<String>> pods) {
        Map<String, Resolution> out = new TreeMap<>();
        pods.keySet().forEach(p -> out.put(p, names.containsKey(p) ? new Resolution.Found(new NetnsRef.Named(names.get(p)))
                : new Resolution.Pending("not mapped")));
        return out;
    }

    @Override
    public List<NetnsRef> reachable() {
        return names.values().stream().distinct().<NetnsRef>map(NetnsRef.Named::new).toList();
    }
}
