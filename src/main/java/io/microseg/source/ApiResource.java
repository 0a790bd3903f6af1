package io.microseg.source;

import java.util.Objects;

/**
 * A resource of the Kubernetes API as RBAC names it: its API group ({@code ""} for the core group) and
 * its plural resource name, e.g. {@code ("discovery.k8s.io", "endpointslices")}. The install's RBAC
 * (config/kubernetes) grants the server exactly what {@link KubernetesSource#READS} lists.
 */
public record ApiResource(String group, String resource) {
    public ApiResource {
        Objects.requireNonNull(group, "group");
        if (resource == null || resource.isBlank()) throw new IllegalArgumentException("expected a resource name, found none");
    }

    /** {@code pods}, {@code endpointslices.discovery.k8s.io}: the form {@code kubectl auth can-i} takes. */
    @Override
    public String toString() {
        return group.isEmpty() ? resource : resource + "." + group;
    }
}
