package io.microseg.inventory;

import java.util.List;

/** A machine outside Kubernetes that runs an enforcement agent. */
public record Host(String name, Labels labels, List<String> ips) implements InventoryItem, InventoryObject {
    public Host {
        ips = List.copyOf(ips);
    }

    @Override
    public String id() {
        return "host/" + name;
    }

    @Override
    public String key() {
        return id();
    }
}
