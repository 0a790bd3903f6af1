package io.microseg.netpol;

import io.microseg.inventory.LabelKeys;
import io.microseg.inventory.Labels;
import io.microseg.net.Protocol;
import io.microseg.policy.query.Query;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pods a NetworkPolicy's subject (for ingress) or an egress rule's peer (its destinations) selects
 * on which a named port means one number: {@code pods} ({@code namespace/name}) are those whose
 * containers declare {@code name} for {@code protocol} as {@code port}. The pods are listed because
 * the port is read from the pods' specs, which labels do not carry; the list is recomputed with the
 * rest of the NetworkPolicy facts when a pod changes.
 */
public record NamedPortSelection(Query subject, String name, Protocol protocol, int port, Set<String> pods) implements Query {
    public NamedPortSelection {
        pods = Collections.unmodifiableSet(new TreeSet<>(pods));
    }

    @Override
    public boolean matches(Labels labels, List<String> ips) {
        String key = labels.get(LabelKeys.NAMESPACE).orElse("") + "/" + labels.get(LabelKeys.POD_NAME).orElse("");
        return pods.contains(key) && subject.matches(labels, ips);
    }

    @Override
    public String text() {
        return subject.text() + " whose named port " + name + "/" + protocol + " is " + port + " [" + String.join(",", pods) + "]";
    }

    @Override
    public String toString() {
        return text();
    }
}
