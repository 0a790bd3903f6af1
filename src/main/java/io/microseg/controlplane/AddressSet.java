package io.microseg.controlplane;

import java.util.List;

/** A named set of addresses (IPs or CIDRs) that rules use as their peer. */
public record AddressSet(String id, String description, List<String> members) {
    public AddressSet {
        members = List.copyOf(members);
    }
}
