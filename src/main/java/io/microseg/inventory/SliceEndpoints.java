package io.microseg.inventory;

import java.util.List;

/**
 * The ready endpoints one EndpointSlice contributes to its service. The slice is kept as a unit,
 * even when it has no ready endpoint, because a service that has any slice takes its endpoints from
 * its slices only (see {@link EndpointResolver}).
 */
public record SliceEndpoints(String cluster, String namespace, String name, String service, List<Endpoint> endpoints)
        implements InventoryObject {
    public SliceEndpoints {
        endpoints = List.copyOf(endpoints);
    }

    /** The owning service, spelled as {@link Service#id()} and {@link Endpoint#serviceId()} spell it. */
    public String serviceId() {
        return "service/" + cluster + "/" + namespace + "/" + service;
    }

    @Override
    public String key() {
        return "endpointslice/" + cluster + "/" + namespace + "/" + name;
    }
}
