package io.microseg.inventory;

/**
 * The lengths Kubernetes allows label names and values, which microseg holds every label to, hosts'
 * too: a label is a selector's operand and lands in every rule's provenance, so an oversized one
 * (say, a file pasted into a value) is refused where it is read rather than carried everywhere.
 */
final class LabelLimits {
    /** The name part of a key, and a value: a DNS label's length. */
    static final int MAX_NAME = 63;
    /** The optional prefix of a key (before '/'): a DNS subdomain's length. */
    static final int MAX_PREFIX = 253;

    private LabelLimits() {}

    /** What is wrong with a label, as an error's expectation; null when nothing is. */
    static String problem(String key, String value) {
        int slash = key.lastIndexOf('/');
        String prefix = slash < 0 ? "" : key.substring(0, slash);
        String name = key.substring(slash + 1);
        if (prefix.length() > MAX_PREFIX || name.length() > MAX_NAME) {
            return "expected a label name of at most " + MAX_NAME + " characters, after a prefix of at most " + MAX_PREFIX
                    + ", as Kubernetes allows, found one of " + key.length();
        }
        if (value != null && value.length() > MAX_NAME) {
            return "expected a label value of at most " + MAX_NAME + " characters, as Kubernetes allows, found one of "
                    + value.length();
        }
        return null;
    }
}
