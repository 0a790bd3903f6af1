package io.microseg.inventory;

public record Namespace(String cluster, String name, Labels labels) implements InventoryObject {
    @Override
    public String key() {
        return "namespace/" + cluster + "/" + name;
    }
}
