package io.microseg.inventory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pods of one namespace indexed by the value of a label key, one key at a time as services ask
 * for it: for resolving many services of a namespace at once (the first load, a relist), where
 * trying every service's selector on every pod of the namespace costs services times pods. A service
 * is given the pods that carry its selector's first term, in the namespace's order, so that its
 * endpoints come out exactly as from a scan of every pod.
 */
final class SelectorCandidates {
    private final Collection<Pod> pods;
    /** Kubernetes label key, then value, then the pods carrying it. */
    private final Map<String, Map<String, List<Pod>>> byKey = new HashMap<>();

    SelectorCandidates(Collection<Pod> pods) {
        this.pods = pods;
    }

    /** The pods the selector may pick: all of them for an empty selector, else those carrying its first term. */
    Collection<Pod> of(Map<String, String> selector) {
        if (selector.isEmpty()) return pods;
        Map.Entry<String, String> first = selector.entrySet().iterator().next();
        return byKey.computeIfAbsent(first.getKey(), this::index).getOrDefault(first.getValue(), List.of());
    }

    private Map<String, List<Pod>> index(String kubernetesKey) {
        String key = LabelKeys.imported(kubernetesKey);
        Map<String, List<Pod>> byValue = new HashMap<>();
        for (Pod p : pods) {
            String value = p.labels().get(key).orElse(null);
            if (value != null) byValue.computeIfAbsent(value, v -> new ArrayList<>()).add(p);
        }
        return byValue;
    }
}
