package io.microseg.server;

/** Text a client chose (a path, a header) made safe to write into a log line or an error message. */
final class ClientText {
    private ClientText() {}

    /** Printable ASCII only (anything else becomes {@code ?}), cut to {@code max} characters and marked so. */
    static String printable(String text, int max) {
        if (text == null) return "";
        String t = text.length() > max ? text.substring(0, max) + "..." : text;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
