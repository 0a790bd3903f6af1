package io.microseg.explain;

import io.microseg.controlplane.AddressSet;
import io.microseg.net.AddressIntervals;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The address sets of one compile, asked two ways: does set S hold address A (a rule's peer or local
 * set, as the agent tests it), and which sets hold A. Both use the compiler's one membership test
 * ({@link AddressIntervals#setContains}) over CIDR members; single-address members are looked up in a
 * hash first, as a set may hold many thousands. Addresses compare in one spelling ({@link EndNames#normal}).
 */
public final class SetIndex {
    private final Map<String, AddressSet> sets = new HashMap<>();
    private final Map<String, Set<String>> setAddresses = new HashMap<>();
    private final Map<String, List<String>> setCidrs = new HashMap<>();
    /** For each single address, the sets that list it. */
    private final Map<String, List<String>> holders = new HashMap<>();

    public SetIndex(Collection<AddressSet> compiled) {
        for (AddressSet s : compiled) {
            sets.put(s.id(), s);
            Set<String> addresses = new java.util.HashSet<>();
            List<String> cidrs = new ArrayList<>();
            for (String m : s.members()) {
                if (m.contains("/")) {
                    cidrs.add(m);
                } else {
                    String a = EndNames.normal(m);
                    if (addresses.add(a)) holders.computeIfAbsent(a, k -> new ArrayList<>()).add(s.id());
                }
            }
            setAddresses.put(s.id(), addresses);
            if (!cidrs.isEmpty()) setCidrs.put(s.id(), cidrs);
        }
    }

    /** The sets by id. */
    Map<String, AddressSet> byId() {
        return sets;
    }

    /** Whether set {@code set} holds {@code address}; false for a null address or an unknown set. */
    public boolean contains(String set, String address) {
        if (address == null) return false;
        if (setAddresses.getOrDefault(set, Set.of()).contains(EndNames.normal(address))) return true;
        return AddressIntervals.setContains(setCidrs.getOrDefault(set, List.of()), address);
    }

    /** The ids of every set that holds {@code address} (as a member or inside a CIDR member), sorted. */
    public Set<String> holding(String address) {
        Set<String> out = new TreeSet<>(holders.getOrDefault(EndNames.normal(address), List.of()));
        for (Map.Entry<String, List<String>> e : setCidrs.entrySet()) {
            if (!out.contains(e.getKey()) && AddressIntervals.setContains(e.getValue(), address)) out.add(e.getKey());
        }
        return out;
    }
}
