package io.microseg.policy.query;

/** A query that does not parse: where (0-based character position) and what was expected there. */
public final class QueryException extends RuntimeException {
    private final String query;
    private final int position;
    private final String expected;

    public QueryException(String query, int position, String expected) {
        super("at position " + (position + 1) + " of \"" + query + "\": expected " + expected);
        this.query = query;
        this.position = position;
        this.expected = expected;
    }

    public String query() { return query; }
    public int position() { return position; }
    public String expected() { return expected; }
}
