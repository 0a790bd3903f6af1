package io.microseg.net;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A set of IPv4 and IPv6 addresses held as disjoint, sorted intervals per family, with union,
 * intersection and complement, and printed back as the fewest CIDRs that cover exactly the same
 * addresses. Immutable. Also the one membership test for address sets whose members may be
 * addresses or CIDRs ({@link #setContains}): the compiler fills sets with such members and
 * {@code trace} must judge them exactly as the dataplane does.
 */
public final class AddressIntervals {
    private static final BigInteger V4_MAX = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);
    private static final BigInteger V6_MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
    private static final AddressIntervals NONE = new AddressIntervals(List.of(), List.of());
    private static final AddressIntervals ALL = new AddressIntervals(List.of(new Interval(BigInteger.ZERO, V4_MAX)),
            List.of(new Interval(BigInteger.ZERO, V6_MAX)));

    /** Inclusive bounds. */
    private record Interval(BigInteger low, BigInteger high) {}

    private final List<Interval> v4;
    private final List<Interval> v6;

    private AddressIntervals(List<Interval> v4, List<Interval> v6) {
        this.v4 = v4;
        this.v6 = v6;
    }

    /** No address. */
    public static AddressIntervals none() {
        return NONE;
    }

    /** Every IPv4 and every IPv6 address. */
    public static AddressIntervals all() {
        return ALL;
    }

    /**
     * The addresses of one CIDR ("10.0.0.0/8", "fd00::/8"); bits past the prefix are ignored, as a
     * router ignores them.
     *
     * @throws IllegalArgumentException when {@code cidr} is not an address, a slash and a prefix
     *                                  length that fits the family
     */
    public static AddressIntervals ofCidr(String cidr) {
        int slash = cidr.indexOf('/');
        Optional<byte[]> net = slash < 0 ? Optional.empty() : bytes(cidr.substring(0, slash));
        if (net.isEmpty()) throw new IllegalArgumentException("not a CIDR (address/prefix length): " + cidr);
        int width = net.get().length * 8;
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (prefix < 0 || prefix > width) {
            throw new IllegalArgumentException("prefix length of " + cidr + " must be 0 to " + width);
        }
        BigInteger size = BigInteger.ONE.shiftLeft(width - prefix);
        BigInteger low = new BigInteger(1, net.get()).shiftRight(width - prefix).shiftLeft(width - prefix);
        List<Interval> one = List.of(new Interval(low, low.add(size).subtract(BigInteger.ONE)));
        return width == 32 ? new AddressIntervals(one, List.of()) : new AddressIntervals(List.of(), one);
    }

    public boolean isEmpty() {
        return v4.isEmpty() && v6.isEmpty();
    }

    public AddressIntervals union(AddressIntervals other) {
        return new AddressIntervals(union(v4, other.v4), union(v6, other.v6));
    }

    /** The addresses of either family that are not in this set. */
    public AddressIntervals complement() {
        return new AddressIntervals(complement(v4, V4_MAX), complement(v6, V6_MAX));
    }

    public AddressIntervals intersect(AddressIntervals other) {
        return complement().union(other.complement()).complement();
    }

    /** Whether the address (a literal, IPv4 or IPv6) is in the set; false for anything else. */
    public boolean contains(String address) {
        Optional<byte[]> a = bytes(address);
        if (a.isEmpty()) return false;
        BigInteger v = new BigInteger(1, a.get());
        for (Interval i : a.get().length == 4 ? v4 : v6) {
            if (v.compareTo(i.low()) < 0) return false;
            if (v.compareTo(i.high()) <= 0) return true;
        }
        return false;
    }

    /**
     * The fewest CIDRs that hold exactly these addresses, IPv4 first, each family in address order
     * ("0.0.0.0/5", "8.0.0.0/7", ...; a single address is "/32" or "/128").
     */
    public List<String> cidrs() {
        List<String> out = new ArrayList<>();
        for (Interval i : v4) blocks(i, 32, out);
        for (Interval i : v6) blocks(i, 128, out);
        return out;
    }

    /**
     * Whether an address set holds {@code address}: a member equal to it (as an address, so that
     * "fd00::1" and "fd00:0::1" are one) or a CIDR member that contains it.
     */
    public static boolean setContains(Collection<String> members, String address) {
        Optional<byte[]> a = bytes(address);
        if (a.isEmpty()) return false;
        for (String m : members) {
            if (m.indexOf('/') >= 0) {
                try {
                    if (ofCidr(m).contains(address)) return true;
                } catch (IllegalArgumentException malformed) {
                    // a member that is no CIDR holds no address
                }
            } else if (bytes(m).map(b -> java.util.Arrays.equals(b, a.get())).orElse(false)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The members of an address set (addresses and CIDRs of both families) that no other member covers,
     * in their order; of equal members (as addresses: "fd00::1" and "fd00:0::1/128" are equal) the first.
     * The set holds exactly the same addresses without the others, and nftables refuses an interval set
     * whose elements overlap. Text that is neither an address nor a CIDR is kept as it is.
     */
    public static List<String> uncovered(List<String> members) {
        if (singleAddresses(members)) return distinctAddresses(members);
        record Span(int index, int width, Interval interval) {}
        List<Span> spans = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            String m = members.get(i);
            AddressIntervals a;
            try {
                a = m.indexOf('/') >= 0 ? ofCidr(m) : bytes(m).map(b -> ofCidr(m + "/" + b.length * 8)).orElse(null);
            } catch (IllegalArgumentException malformed) {
                a = null;
            }
            if (a != null) spans.add(new Span(i, a.v4.isEmpty() ? 128 : 32, a.v4.isEmpty() ? a.v6.get(0) : a.v4.get(0)));
        }
        // by family, then start, the larger of two with one start first: a member is covered exactly when
        // one before it in this order reaches at least as far
        spans.sort(Comparator.comparingInt(Span::width).thenComparing(s -> s.interval().low())
                .thenComparing((Span s) -> s.interval().high(), Comparator.reverseOrder()).thenComparingInt(Span::index));
        java.util.Set<Integer> covered = new java.util.HashSet<>();
        BigInteger reach = null;
        int family = 0;
        for (Span s : spans) {
            if (s.width() != family) {
                family = s.width();
                reach = null;
            }
            if (reach != null && s.interval().high().compareTo(reach) <= 0) covered.add(s.index());
            else reach = s.interval().high();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) if (!covered.contains(i)) out.add(members.get(i));
        return out;
    }

    private static boolean singleAddresses(List<String> members) {
        for (String m : members) if (m.indexOf('/') >= 0) return false;
        return true;
    }

    /**
     * {@link #uncovered} of members without a CIDR: the first of equal addresses. Without a CIDR only equal
     * addresses cover one another; the usual dotted quad is read here without a parser (thousands of members).
     */
    private static List<String> distinctAddresses(List<String> members) {
        // an IPv4 address by its value (a Long), an IPv6 one by its bytes; text that is no address is always kept
        java.util.Set<Object> seen = new java.util.HashSet<>(members.size() * 2);
        List<String> out = new ArrayList<>(members.size());
        for (String m : members) {
            long v4 = dottedQuad(m);
            Object key = v4 >= 0 ? (Object) v4 : bytes(m).map(b -> b.length == 4 ? (Object) new BigInteger(1, b).longValue()
                    : java.nio.ByteBuffer.wrap(b)).orElse(null);
            if (key == null || seen.add(key)) out.add(m);
        }
        return out;
    }

    /**
     * Whether {@code text} is an IPv4 address in its one canonical text (four decimal numbers of 0 to 255 without leading
     * zeros): two such texts are the same address exactly when they are equal, so sets of them compare by text.
     */
    public static boolean isDottedQuad(String text) {
        return dottedQuad(text) >= 0;
    }

    /**
     * The value of an IPv4 address written as four decimal numbers of 0 to 255 without leading zeros, else -1 (other
     * text is left to {@link #bytes}).
     */
    private static long dottedQuad(String text) {
        long value = 0;
        int parts = 0;
        int digits = 0;
        int part = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                if (digits > 0 && part == 0) return -1; // a leading zero
                part = part * 10 + (c - '0');
                if (++digits > 3 || part > 255) return -1;
            } else if (c == '.' && digits > 0 && parts < 3) {
                value = value << 8 | part;
                parts++;
                digits = 0;
                part = 0;
            } else {
                return -1;
            }
        }
        if (parts != 3 || digits == 0) return -1;
        return value << 8 | part;
    }

    /**
     * The address's bytes, 4 for IPv4 and 16 for IPv6 text: an IPv4-mapped IPv6 address
     * ("::ffff:10.0.0.1") stays IPv6, which {@link InetAddress} would turn into IPv4.
     */
    private static Optional<byte[]> bytes(String text) {
        return Addresses.parse(text).map(a -> {
            byte[] b = a.getAddress();
            if (b.length == 16 || text.indexOf(':') < 0) return b;
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(b, 0, mapped, 12, 4);
            return mapped;
        });
    }

    private static void blocks(Interval interval, int width, List<String> out) {
        BigInteger low = interval.low();
        BigInteger high = interval.high();
        while (low.compareTo(high) <= 0) {
            // the largest block aligned at low that does not pass high
            int bits = low.signum() == 0 ? width : Math.min(low.getLowestSetBit(), width);
            BigInteger room = high.subtract(low).add(BigInteger.ONE);
            while (bits > 0 && BigInteger.ONE.shiftLeft(bits).compareTo(room) > 0) bits--;
            out.add(text(low, width) + "/" + (width - bits));
            low = low.add(BigInteger.ONE.shiftLeft(bits));
        }
    }

    private static String text(BigInteger value, int width) {
        byte[] raw = value.toByteArray();
        byte[] bytes = new byte[width / 8];
        int n = Math.min(raw.length, bytes.length);
        System.arraycopy(raw, raw.length - n, bytes, bytes.length - n, n);
        try {
            // Inet6Address, not InetAddress: the latter turns ::ffff:a.b.c.d into an IPv4 address
            if (width == 32) return InetAddress.getByAddress(bytes).getHostAddress();
            return compressV6(java.net.Inet6Address.getByAddress(null, bytes, -1).getHostAddress());
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("a 4 or 16 byte address is always valid", e);
        }
    }

    /** Java prints "0:0:0:0:0:0:0:0"; CIDRs read better in the usual "::" form (RFC 5952). */
    private static String compressV6(String full) {
        String[] parts = full.split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < parts.length; ) {
            if (!parts[i].equals("0")) {
                i++;
                continue;
            }
            int j = i;
            while (j < parts.length && parts[j].equals("0")) j++;
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        if (bestStart < 0) return full;
        String head = String.join(":", java.util.Arrays.asList(parts).subList(0, bestStart));
        String tail = String.join(":", java.util.Arrays.asList(parts).subList(bestStart + bestLength, parts.length));
        return head + "::" + tail;
    }

    private static List<Interval> union(List<Interval> a, List<Interval> b) {
        if (b.isEmpty()) return a;
        if (a.isEmpty()) return b;
        List<Interval> all = new ArrayList<>(a);
        all.addAll(b);
        all.sort(Comparator.comparing(Interval::low));
        List<Interval> out = new ArrayList<>();
        Interval current = all.get(0);
        for (Interval next : all.subList(1, all.size())) {
            // adjacent intervals merge too, so that the CIDRs printed are the fewest
            if (next.low().compareTo(current.high().add(BigInteger.ONE)) <= 0) {
                current = new Interval(current.low(), current.high().max(next.high()));
            } else {
                out.add(current);
                current = next;
            }
        }
        out.add(current);
        return List.copyOf(out);
    }

    private static List<Interval> complement(List<Interval> intervals, BigInteger max) {
        List<Interval> out = new ArrayList<>();
        BigInteger next = BigInteger.ZERO;
        for (Interval i : intervals) {
            if (i.low().compareTo(next) > 0) out.add(new Interval(next, i.low().subtract(BigInteger.ONE)));
            next = i.high().add(BigInteger.ONE);
        }
        if (next.compareTo(max) <= 0) out.add(new Interval(next, max));
        return List.copyOf(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddressIntervals other && v4.equals(other.v4) && v6.equals(other.v6);
    }

    @Override
    public int hashCode() {
        return v4.hashCode() * 31 + v6.hashCode();
    }

    @Override
    public String toString() {
        return cidrs().toString();
    }
}
