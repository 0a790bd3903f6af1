package io.microseg.controlplane;

import java.util.List;

/** Members that joined and left one address set in a change set. */
public record SetChange(String set, String description, List<String> added, List<String> removed) {
    public SetChange {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
    }
}
