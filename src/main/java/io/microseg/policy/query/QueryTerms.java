package io.microseg.policy.query;

import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a query looks at, for indexing queries rather than evaluating each against every item:
 * the label keys it reads, whether it reads addresses, and its anchors, equality terms of which
 * every item it selects carries at least one.
 */
public final class QueryTerms {
    /** {@code key = value}, with the key as labels store it and the value {@link #fold folded}. */
    public record Term(String key, String value) {
        public static Term of(String key, String value) {
            return new Term(key.toLowerCase(Locale.ROOT), fold(value));
        }
    }

    private QueryTerms() {}

    /** The label keys the query reads (lower case, as {@code Labels} stores them); empty when it cannot tell. */
    public static Optional<Set<String>> keys(Query q) {
        if (!(q instanceof Expr e)) return Optional.empty();
        Set<String> keys = new HashSet<>();
        collectKeys(e, keys);
        return Optional.of(keys);
    }

    private static void collectKeys(Expr e, Set<String> keys) {
        if (e instanceof Expr.Compare c) keys.add(c.key().toLowerCase(Locale.ROOT));
        else if (e instanceof Expr.And a) a.operands().forEach(o -> collectKeys(o, keys));
        else if (e instanceof Expr.Or o) o.operands().forEach(x -> collectKeys(x, keys));
        else if (e instanceof Expr.Not n) collectKeys(n.operand(), keys);
    }

    /** Whether the query reads an item's addresses ({@code in subnet}); true when it cannot tell. */
    public static boolean readsAddresses(Query q) {
        if (!(q instanceof Expr e)) return true;
        if (e instanceof Expr.InSubnet) return true;
        if (e instanceof Expr.And a) return a.operands().stream().anyMatch(QueryTerms::readsAddresses);
        if (e instanceof Expr.Or o) return o.operands().stream().anyMatch(QueryTerms::readsAddresses);
        if (e instanceof Expr.Not n) return readsAddresses(n.operand());
        return false; // Compare, All
    }

    /**
     * Terms of which every item the query selects carries at least one, or empty when there are
     * none to name ({@code *}, {@code !=}, {@code contains}, {@code NOT}, subnets): such queries must
     * be tried on every item.
     */
    public static Optional<Set<Term>> anchors(Query q) {
        if (!(q instanceof Expr e)) return Optional.empty();
        return anchorsOf(e);
    }

    private static Optional<Set<Term>> anchorsOf(Expr e) {
        if (e instanceof Expr.Compare c && c.operator() == Expr.Operator.EQUALS) {
            return Optional.of(Set.of(Term.of(c.key(), c.value())));
        }
        if (e instanceof Expr.And a) {
            // Any operand's anchors will do, since all must hold: take the fewest.
            Set<Term> best = null;
            for (Expr o : a.operands()) {
                Optional<Set<Term>> t = anchorsOf(o);
                if (t.isPresent() && (best == null || t.get().size() < best.size())) best = t.get();
            }
            return Optional.ofNullable(best);
        }
        if (e instanceof Expr.Or o) {
            Set<Term> all = new HashSet<>();
            for (Expr x : o.operands()) {
                Optional<Set<Term>> t = anchorsOf(x);
                if (t.isEmpty()) return Optional.empty();
                all.addAll(t.get());
            }
            return Optional.of(all);
        }
        return Optional.empty(); // *, NOT, !=, contains, starts with, in subnet
    }

    /**
     * A value folded so that two values are equal exactly when {@link String#equalsIgnoreCase} says
     * so: each code point upper-cased, then lower-cased, as that comparison does.
     */
    public static String fold(String value) {
        StringBuilder b = null;
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            int folded = Character.toLowerCase(Character.toUpperCase(cp));
            if (folded != cp && b == null) b = new StringBuilder(value.length()).append(value, 0, i);
            if (b != null) b.appendCodePoint(folded);
            i += Character.charCount(cp);
        }
        return b == null ? value : b.toString();
    }
}
