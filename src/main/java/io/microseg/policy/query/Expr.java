package io.microseg.policy.query;

import io.microseg.inventory.Labels;
import io.microseg.net.Addresses;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A parsed query: a tree of these records, built by {@link Query#parse}. The tree is canonical, so
 * two queries that differ only in spacing, keyword case or redundant parentheses are equal, and
 * {@link #text()} prints a form that parses back to an equal tree.
 */
public sealed interface Expr extends Query {

    /** {@code *}: every item. */
    record All() implements Expr {
        @Override
        public boolean matches(Labels labels, List<String> ips) {
            return true;
        }

        @Override
        public String text() {
            return "*";
        }

        @Override
        public String toString() {
            return text();
        }
    }

    /** Any of the operands; nested ORs are flattened, since OR is associative. */
    record Or(List<Expr> operands) implements Expr {
        public Or {
            operands = flatten(operands, Or.class);
        }

        @Override
        public boolean matches(Labels labels, List<String> ips) {
            for (Expr e : operands) {
                if (e.matches(labels, ips)) return true;
            }
            return false;
        }

        @Override
        public String text() {
            // AND binds tighter than OR and nested ORs are flattened: no operand needs parentheses.
            return String.join(" OR ", operands.stream().map(Expr::text).toList());
        }

        @Override
        public String toString() {
            return text();
        }
    }

    /** All of the operands; nested ANDs are flattened, since AND is associative. */
    record And(List<Expr> operands) implements Expr {
        public And {
            operands = flatten(operands, And.class);
        }

        @Override
        public boolean matches(Labels labels, List<String> ips) {
            for (Expr e : operands) {
                if (!e.matches(labels, ips)) return false;
            }
            return true;
        }

        @Override
        public String text() {
            return String.join(" AND ", operands.stream().map(e -> e instanceof Or ? "(" + e.text() + ")" : e.text()).toList());
        }

        @Override
        public String toString() {
            return text();
        }
    }

    record Not(Expr operand) implements Expr {
        public Not {
            Objects.requireNonNull(operand, "operand");
        }

        @Override
        public boolean matches(Labels labels, List<String> ips) {
            return !operand.matches(labels, ips);
        }

        @Override
        public String text() {
            boolean binary = operand instanceof And || operand instanceof Or;
            return "NOT " + (binary ? "(" + operand.text() + ")" : operand.text());
        }

        @Override
        public String toString() {
            return text();
        }
    }

    /** {@code key op value} over one label; key and value compare case-insensitively. */
    record Compare(String key, Operator operator, String value) implements Expr {
        public Compare {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(operator, "operator");
            Objects.requireNonNull(value, "value");
            if (key.isEmpty()) throw new IllegalArgumentException("a label key cannot be empty");
        }

        @Override
        public boolean matches(Labels labels, List<String> ips) {
            String actual = labels.get(key).orElse(null);
            if (actual == null) {
                // As a Kubernetes selector: "k != v" also selects items without the label k.
                return operator == Operator.NOT_EQUALS;
            }
            return switch (operator) {
                case EQUALS -> actual.equalsIgnoreCase(value);
                case NOT_EQUALS -> !actual.equalsIgnoreCase(value);
                case CONTAINS -> containsIgnoreCase(actual, value);
                case STARTS_WITH -> actual.regionMatches(true, 0, value, 0, value.length());
            };
        }

        @Override
        public String text() {
            return QueryParser.renderKey(key) + " " + operator.symbol() + " " + QueryParser.renderValue(value);
        }

        @Override
        public String toString() {
            return text();
        }

        // regionMatches avoids lower-casing (and allocating) on every match: queries run per workload.
        private static boolean containsIgnoreCase(String s, String part) {
            for (int i = 0; i + part.length() <= s.length(); i++) {
                if (s.regionMatches(true, i, part, 0, part.length())) return true;
            }
            return false;
        }
    }

    /** The label comparisons, printed as written in a query. */
    enum Operator {
        EQUALS("="), NOT_EQUALS("!="), CONTAINS("contains"), STARTS_WITH("starts with");

        private final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    /**
     * {@code address in subnet 10.0.0.0/8}: any of the item's addresses lies in the CIDR (IPv4 or IPv6).
     * The spellings {@code ip in subnet} and a bare {@code in subnet} parse to the same record.
     */
    record InSubnet(String cidr) implements Expr {
        public InSubnet {
            if (!QueryParser.isCidr(cidr)) throw new IllegalArgumentException("not a CIDR: " + cidr);
        }

        @Override
        public boolean matches(Labels labels, List<String> ips) {
            for (String ip : ips) {
                if (Addresses.inSubnet(ip, cidr)) return true;
            }
            return false;
        }

        @Override
        public String text() {
            return "address in subnet " + cidr;
        }

        @Override
        public String toString() {
            return text();
        }
    }

    private static List<Expr> flatten(List<Expr> operands, Class<? extends Expr> kind) {
        if (operands.isEmpty()) throw new IllegalArgumentException("AND and OR need at least one operand");
        List<Expr> flat = new ArrayList<>();
        for (Expr e : operands) {
            Objects.requireNonNull(e, "operand");
            if (e instanceof Or or && kind == Or.class) flat.addAll(or.operands());
            else if (e instanceof And and && kind == And.class) flat.addAll(and.operands());
            else flat.add(e);
        }
        return List.copyOf(flat);
    }
}
