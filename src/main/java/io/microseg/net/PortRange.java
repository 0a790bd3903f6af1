package io.microseg.net;

/**
 * An inclusive range of ports, or {@link #NONE} for protocols without ports.
 * Printed as the compile JSON prints it: "27017", "8000-8080" or "".
 */
public record PortRange(int from, int to) {
    public static final PortRange NONE = new PortRange(0, 0);

    public PortRange {
        if (!(from == 0 && to == 0) && (from < 1 || to > 65535 || from > to)) {
            throw new IllegalArgumentException("port range " + from + "-" + to + " is not within 1-65535 in ascending order");
        }
    }

    public static PortRange single(int port) {
        return new PortRange(port, port);
    }

    public boolean isNone() {
        return from == 0;
    }

    public boolean contains(int port) {
        return isNone() || (port >= from && port <= to);
    }

    @Override
    public String toString() {
        if (isNone()) return "";
        return from == to ? Integer.toString(from) : from + "-" + to;
    }
}
