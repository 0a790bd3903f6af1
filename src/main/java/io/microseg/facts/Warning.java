package io.microseg.facts;

/**
 * Something a policy expert should know about a policy ({@code <workspace>/<id>}), or about the
 * inventory itself ({@link #INVENTORY}: two workloads claiming one address).
 */
public record Warning(String policy, String message) {
    /** The "policy" of a warning that no policy causes. */
    public static final String INVENTORY = "inventory";
}
