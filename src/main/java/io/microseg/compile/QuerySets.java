package io.microseg.compile;

import io.microseg.facts.Address;
import io.microseg.facts.OutsideInterval;
import io.microseg.facts.Selected;
import io.microseg.facts.SetMember;

import java.util.HashMap;
import java.util.Map;

/**
 * The address set of each consumer or provider query: every address of every workload the query
 * selects, and the CIDRs of the addresses in no inventory that it matches ({@link OutsideInterval}).
 * This is the last step of evaluating a query, so it lives beside query evaluation rather
 * than in the session, where deriving half a million members with truth maintenance was half of
 * the rules' work on a large cluster. The sets the service translation defines (nodes, ClusterIPs,
 * load balancers) stay in {@code rules/sets.drl}; the backend sets are made with the endpoints
 * ({@link ObjectFacts#endpoints}).
 *
 * <p>Contract: tell it every presence change of {@link Selected}, {@link Address} and
 * {@link OutsideInterval} facts, in any order, each after the {@link AppliedToGroups} it reads the
 * selections from was told of it (the groups keep which queries select each item: one copy of that
 * relation, the largest of the expansion); it reports each member as it appears and disappears.
 * One address may come from two workloads (a hostNetwork pod has its node's addresses), so members
 * are counted.
 */
public final class QuerySets {
    /** Told of each member that appears ({@code added}) or disappears. */
    public interface Listener {
        void changed(SetMember member, boolean added);
    }

    private final Listener listener;
    /** Which queries select each item, as of the fact being told. */
    private final AppliedToGroups selections;
    /** Workload → its addresses. */
    private final Relation addressesOf = new Relation(false);
    private final Map<SetMember, Integer> members = new HashMap<>();

    /** @param selections the groups told of each fact before this is (see the class comment) */
    public QuerySets(Listener listener, AppliedToGroups selections) {
        this.listener = listener;
        this.selections = selections;
    }

    /** A {@link Selected}, {@link Address} or {@link OutsideInterval} fact came ({@code present}) or went; any other fact is ignored. */
    public void fact(Object fact, boolean present) {
        if (fact instanceof Selected s) {
            // a presence change of a Selected fact is the pair's: one fact per query and item
            for (String ip : addressesOf.members(s.item())) count(new SetMember(s.selector(), ip), present);
        } else if (fact instanceof Address a) {
            if (!addressesOf.update(a.workload(), a.ip(), present)) return;
            for (String selector : selections.selectorsOf(a.workload())) count(new SetMember(selector, a.ip()), present);
        } else if (fact instanceof OutsideInterval o) {
            count(new SetMember(o.selector(), o.cidr()), present);
        }
    }

    private void count(SetMember m, boolean present) {
        int n = members.merge(m, present ? 1 : -1, Integer::sum);
        if (n == 0) {
            members.remove(m);
            listener.changed(m, false);
        } else if (n == 1 && present) {
            listener.changed(m, true);
        }
    }
}
