package io.microseg.policy.query;

import io.microseg.inventory.Labels;

import java.util.List;

/**
 * An inventory filter in the seed's syntax, e.g.
 * {@code environment = production OR orchestrator_environment = production}.
 * Implemented by {@link QueryParser} (operators: {@code = != contains}, {@code starts with},
 * {@code address in subnet}, AND, OR, NOT, parentheses). Outside addresses, those of no inventory
 * item, are matched by {@link OutsideAddresses}.
 */
public interface Query {
    /** Whether an item with these labels and addresses is selected. */
    boolean matches(Labels labels, List<String> ips);

    /**
     * The query as written, in canonical form: keywords upper-cased, spacing and redundant parentheses
     * normalised. Parsing it gives back an equal query.
     */
    String text();

    /** Parses {@code text}; a {@link QueryException} names the position and what was expected. */
    static Query parse(String text) {
        return QueryParser.parse(text);
    }
}
