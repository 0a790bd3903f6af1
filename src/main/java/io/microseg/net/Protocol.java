package io.microseg.net;

import java.util.Locale;
import java.util.Optional;

/** The transport protocols a rule can name. ANY matches every protocol and carries no ports. */
public enum Protocol {
    TCP, UDP, SCTP, ICMP, ANY;

    /** Whether this protocol has port numbers (ICMP and ANY do not). */
    public boolean hasPorts() {
        return this == TCP || this == UDP || this == SCTP;
    }

    /** Case-insensitive lookup; empty for anything that is not a protocol name. */
    public static Optional<Protocol> parse(String text) {
        if (text == null) return Optional.empty();
        try {
            return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
