package io.microseg.inventory;

import java.util.List;
import java.util.Map;

/**
 * A Kubernetes service. {@code selector} is null for a service without a selector (its endpoints come
 * from EndpointSlices only). {@code clusterIps} is empty for headless and ExternalName services.
 */
public record Service(String cluster, String namespace, String name, ServiceType type, List<String> clusterIps,
                      List<String> loadBalancerIps, Map<String, String> selector, List<ServicePort> ports,
                      boolean externalTrafficLocal, Labels labels) implements InventoryItem, InventoryObject {
    public Service {
        clusterIps = List.copyOf(clusterIps);
        loadBalancerIps = List.copyOf(loadBalancerIps);
        selector = selector == null ? null : Map.copyOf(selector);
        ports = List.copyOf(ports);
    }

    @Override
    public String id() {
        return "service/" + cluster + "/" + namespace + "/" + name;
    }

    /** Whether an inventory item id names a service. */
    public static boolean isServiceId(String itemId) {
        return itemId.startsWith("service/");
    }

    public boolean headless() {
        return clusterIps.isEmpty() && type != ServiceType.ExternalName;
    }

    @Override
    public List<String> ips() {
        return clusterIps;
    }

    @Override
    public String key() {
        return id();
    }
}
