package io.microseg.auth;

/**
 * Who is asking: an agent (its own rules only), an operator (everything), or anyone when authentication
 * is off. An agent's name is its identity, {@code node/<cluster>/<name>} or {@code host/<name>}; an
 * operator's name only says who it is, in logs.
 */
public record Principal(Kind kind, String name) {
    public enum Kind { AGENT, OPERATOR, ANONYMOUS }

    public static final Principal ANONYMOUS = new Principal(Kind.ANONYMOUS, "anonymous");

    public Principal {
        java.util.Objects.requireNonNull(kind, "kind");
        java.util.Objects.requireNonNull(name, "name");
    }

    public static Principal agent(String identity) {
        return new Principal(Kind.AGENT, identity);
    }

    public static Principal operator(String name) {
        return new Principal(Kind.OPERATOR, name);
    }

    /** Operators and (with auth off) anyone may read everything. */
    public boolean readsEverything() {
        return kind != Kind.AGENT;
    }

    /** Whether this principal may read the rules of this agent ({@code node/<cluster>/<name>}, {@code host/<name>}). */
    public boolean mayRead(String agent) {
        return readsEverything() || name.equals(agent);
    }
}
