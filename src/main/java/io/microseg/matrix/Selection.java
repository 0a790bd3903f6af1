package io.microseg.matrix;

import io.microseg.input.InputException;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryItem;
import io.microseg.inventory.Service;
import io.microseg.policy.query.Query;
import io.microseg.policy.query.QueryException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The ends of a matrix, chosen with the query language of workspaces and policies
 * ({@code app = web AND orchestrator_system/namespace = shop}, {@code address in subnet 10.0.0.0/8},
 * {@code *}): the workloads (hosts, nodes, pods) the query selects, and, on the destination side,
 * the services it selects; or ends named one by one ({@code query} null). Items come sorted by id.
 */
public record Selection(Query query, List<InventoryItem> workloads, List<Service> services) {
    public Selection {
        workloads = List.copyOf(workloads);
        services = List.copyOf(services);
    }

    /**
     * What {@code text} selects ({@code *} when null); services only when {@code withServices}.
     * A query that does not parse is an {@link InputException} naming {@code option}.
     */
    public static Selection of(String option, String text, Inventory inventory, boolean withServices) {
        Query q = parse(option, text);
        List<InventoryItem> workloads = new ArrayList<>();
        inventory.hosts().stream().filter(h -> selects(q, h)).forEach(workloads::add);
        inventory.nodes().stream().filter(n -> selects(q, n)).forEach(workloads::add);
        inventory.pods().stream().filter(p -> selects(q, p)).forEach(workloads::add);
        workloads.sort(Comparator.comparing(InventoryItem::id));
        List<Service> services = !withServices ? List.of()
                : inventory.services().stream().filter(s -> selects(q, s)).sorted(Comparator.comparing(Service::id)).toList();
        return new Selection(q, workloads, services);
    }

    /** Ends named one by one (a scenario's truth table): these workloads and services, sorted by id. */
    public static Selection of(List<InventoryItem> workloads, List<Service> services) {
        return new Selection(null, workloads.stream().sorted(Comparator.comparing(InventoryItem::id)).toList(),
                services.stream().sorted(Comparator.comparing(Service::id)).toList());
    }

    /** Parses a query as an option gives it; a bad one is an {@link InputException} naming the option and the position. */
    public static Query parse(String option, String text) {
        try {
            return Query.parse(text == null ? "*" : text);
        } catch (QueryException e) {
            throw new InputException(option, 0, null, null, "expected a query (as a policy's consumer or provider, e.g."
                    + " \"app = web AND orchestrator_system/namespace = shop\", or *): " + e.getMessage());
        }
    }

    private static boolean selects(Query q, InventoryItem item) {
        return q.matches(item.labels(), item.ips());
    }
}
