package io.microseg.enforce;

import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.RuleOrder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one agent enforces: its id ({@code node/<cluster>/<name>} or {@code host/<name>}), the rules
 * of its node or host and of the pods placed on it, in evaluation order, the sets those rules use,
 * and the addresses of every workload placed on it (workload id to its addresses, by id), which
 * include workloads that have no rules.
 */
public record AgentView(String agent, List<CompiledRule> rules, List<AddressSet> sets, Map<String, List<String>> addresses) {
    public AgentView {
        List<CompiledRule> sorted = new ArrayList<>(rules);
        sorted.sort(RuleOrder.EVALUATION);
        rules = List.copyOf(sorted);
        sets = List.copyOf(sets);
        Map<String, List<String>> byId = new TreeMap<>();
        addresses.forEach((id, ips) -> byId.put(id, List.copyOf(ips)));
        addresses = Collections.unmodifiableMap(byId);
    }
}
