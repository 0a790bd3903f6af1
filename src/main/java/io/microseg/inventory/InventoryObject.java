package io.microseg.inventory;

/**
 * One object an inventory source delivers, before assembly into an {@link Inventory}: what a file
 * document or a Kubernetes watch event translates to. {@link #key()} is its identity (cluster, kind,
 * namespace, name), e.g. {@code pod/demo/web/web-0} or {@code endpointslice/demo/data/db-x1z}.
 */
public sealed interface InventoryObject permits Host, Node, Pod, Service, SliceEndpoints, Namespace,
        KubernetesPolicy {
    String key();
}
