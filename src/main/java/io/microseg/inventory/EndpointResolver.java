package io.microseg.inventory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The endpoints of services, as kube-proxy would see them. A service that has EndpointSlices takes
 * its endpoints from them only (services without a selector, and clusters dumped with their slices).
 * A service with a selector but no slice (hand-written manifests) gets what the endpoint controller
 * would write: its ready pods, with named target ports resolved against each pod's own containers.
 * ExternalName services have no endpoints.
 */
public final class EndpointResolver {

    /** A selected pod that has no container port of the name (and protocol) a service port targets: no endpoint there. */

    public record Resolution(List<Endpoint> endpoints, List<NamedPortMiss> namedPortMisses) {
        public Resolution {
            endpoints = List.copyOf(endpoints);
            namedPortMisses = List.copyOf(namedPortMisses);
        }
    }

    private EndpointResolver() {}

    /** The endpoints of every service; slices of services not among {@code services} are ignored. */
    public static Resolution resolve(Collection<Service> services, Collection<Pod> pods, Collection<SliceEndpoints> slices) {
        Map<String, List<SliceEndpoints>> slicesByService = new HashMap<>();
        for (SliceEndpoints s : slices) slicesByService.computeIfAbsent(s.serviceId(), k -> new ArrayList<>()).add(s);
        Map<String, List<Pod>> podsByNamespace = new HashMap<>();
        for (Pod p : pods) podsByNamespace.computeIfAbsent(p.cluster() + "/" + p.namespace(), k -> new ArrayList<>()).add(p);

        List<Endpoint> endpoints = new ArrayList<>();
        List<NamedPortMiss> misses = new ArrayList<>();
        for (Service s : services) {
            Resolution r = resolve(s, podsByNamespace.getOrDefault(s.cluster() + "/" + s.namespace(), List.of()),
                    slicesByService.getOrDefault(s.id(), List.of()));
            endpoints.addAll(r.endpoints());
            misses.addAll(r.namedPortMisses());
        }
        return new Resolution(endpoints, misses);
    }

    /**
     * The endpoints of one service, from its own slices ({@code slices} of other services are ignored)
     * or, when it has none, from the {@code pods} its selector picks (pods of other namespaces are ignored).
     */
    public static Resolution resolve(Service service, Collection<Pod> pods, Collection<SliceEndpoints> slices) {
        if (service.type() == ServiceType.ExternalName) return new Resolution(List.of(), List.of());
        List<SliceEndpoints> own = slices.stream().filter(s -> s.serviceId().equals(service.id())).toList();
        if (!own.isEmpty()) {
            // Several slices may list one endpoint while the controller moves it between them.
            Set<Endpoint> fromSlices = new LinkedHashSet<>();
            own.forEach(s -> fromSlices.addAll(s.endpoints()));
            return new Resolution(List.copyOf(fromSlices), List.of());
        }
        if (service.selector() == null) return new Resolution(List.of(), List.of());
        return fromSelector(service, pods);
    }

    /** The endpoints the service's selector gives among {@code pods}: the union of each pod's own, which depend on the service and that pod only. */
    static Resolution fromSelector(Service service, Collection<Pod> pods) {
        List<Endpoint> endpoints = new ArrayList<>();
        List<NamedPortMiss> misses = new ArrayList<>();
        for (Pod pod : pods) {
            if (!pod.cluster().equals(service.cluster()) || !pod.namespace().equals(service.namespace())) continue;
            if (!pod.ready() || pod.ips().isEmpty() || !selects(service.selector(), pod)) continue;
            List<String> ips = sameFamilies(pod.ips(), service.clusterIps());
            for (ServicePort port : service.ports()) {
                Integer target = targetPort(port, pod);
                if (target == null) {
                    misses.add(new NamedPortMiss(service.id(), port.key(), pod.id(), port.targetPort().name()));
                    continue;
                }
                for (String ip : ips) {
                    endpoints.add(new Endpoint(service.cluster(), service.namespace(), service.name(), port.key(),
                            port.protocol(), target, ip, pod.name()));
                }
            }
        }
        return new Resolution(endpoints, misses);
    }

    /**
     * Equality-based selection over the pod's Kubernetes labels, which the inventory keeps under the
     * orchestrator_ prefix. Values compare exactly, as in Kubernetes.
     */
    static boolean selects(Map<String, String> selector, Pod pod) {
        for (Map.Entry<String, String> term : selector.entrySet()) {
            String value = pod.labels().get(LabelKeys.imported(term.getKey())).orElse(null);
            if (!term.getValue().equals(value)) return false;
        }
        return true;
    }

    /** The container port a named target port means on this pod (same name and protocol), as Kubernetes' FindPort does. */
    private static Integer targetPort(ServicePort port, Pod pod) {
        TargetPort target = port.targetPort();
        return target.isNamed() ? pod.namedPort(target.name(), port.protocol()) : target.number();
    }

    /**
     * A single-stack service has endpoints of its own family only, even on dual-stack pods. Headless
     * services carry no cluster IP to tell their families from, so they keep every pod address.
     */
    private static List<String> sameFamilies(List<String> podIps, List<String> clusterIps) {
        if (clusterIps.isEmpty()) return podIps;
        boolean v4 = clusterIps.stream().anyMatch(ip -> !isV6(ip));
        boolean v6 = clusterIps.stream().anyMatch(EndpointResolver::isV6);
        return podIps.stream().filter(ip -> isV6(ip) ? v6 : v4).toList();
    }

    private static boolean isV6(String ip) {
        return ip.contains(":");
    }
}
