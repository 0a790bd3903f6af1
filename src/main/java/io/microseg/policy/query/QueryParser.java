package io.microseg.policy.query;

/** Placeholder until the query-language work lands. */
final class QueryParser {
    private QueryParser() {}

    static Query parse(String text) {
        throw new UnsupportedOperationException("query parser not yet implemented");
    }
}
