package io.microseg.inventory;

import java.util.List;

/** Anything a query can select: hosts, nodes and pods (workloads that get rules) and services (providers). */
public sealed interface InventoryItem permits Host, Node, Pod, Service {
    /** {@code host/<name>}, {@code node/<cluster>/<name>}, {@code pod/<cluster>/<ns>/<name>}, {@code service/<cluster>/<ns>/<name>}. */
    String id();

    Labels labels();

    /** The addresses {@code in subnet} is evaluated over. */
    List<String> ips();
}
