package io.microseg.policy.query;

import io.microseg.net.AddressIntervals;

import java.util.List;

/**
 * The addresses in no inventory that a query matches. Such an address has no labels: every label
 * term is false for it ({@code !=} too, unlike for an inventory item without the label: a label
 * term never matches an outside address), an {@code in subnet} term tests the address itself, and
 * AND, OR and NOT combine as usual ({@code NOT app = web} is true for it). Only addresses inside some CIDR
 * that the query names in an {@code in subnet} term count: a query names outside addresses only by
 * subnet, so {@code *}, {@code NOT app = web} and other label-only queries match none.
 *
 * <p>Example: {@code address in subnet 0.0.0.0/0 AND NOT address in subnet 10.0.0.0/8} matches the
 * IPv4 Internet but the private 10/8, as eight CIDRs. The result depends on the query alone, not on
 * the inventory: addresses of inventory workloads inside the intervals are not taken out.
 */
public final class OutsideAddresses {
    private OutsideAddresses() {}

    public static AddressIntervals of(Query query) {
        if (!(query instanceof Expr e) || !QueryTerms.readsAddresses(query)) return AddressIntervals.none();
        return matched(e).intersect(named(e));
    }

    /** The label-less addresses for which the expression is true. */
    private static AddressIntervals matched(Expr e) {
        if (e instanceof Expr.InSubnet s) return AddressIntervals.ofCidr(s.cidr());
        if (e instanceof Expr.Not n) return matched(n.operand()).complement();
        if (e instanceof Expr.And and) {
            return and.operands().stream().map(OutsideAddresses::matched).reduce(AddressIntervals.all(), AddressIntervals::intersect);
        }
        if (e instanceof Expr.Or or) {
            return or.operands().stream().map(OutsideAddresses::matched).reduce(AddressIntervals.none(), AddressIntervals::union);
        }
        if (e instanceof Expr.Compare) return AddressIntervals.none(); // a label term never matches an outside address
        return AddressIntervals.all(); // *
    }

    /** Every address of the CIDRs the expression names, whether it includes or excludes them. */
    private static AddressIntervals named(Expr e) {
        if (e instanceof Expr.InSubnet s) return AddressIntervals.ofCidr(s.cidr());
        if (e instanceof Expr.Not n) return named(n.operand());
        List<Expr> operands = e instanceof Expr.And and ? and.operands() : e instanceof Expr.Or or ? or.operands() : List.of();
        return operands.stream().map(OutsideAddresses::named).reduce(AddressIntervals.none(), AddressIntervals::union);
    }
}
