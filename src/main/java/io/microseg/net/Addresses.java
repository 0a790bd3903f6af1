package io.microseg.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** IP address and CIDR handling without DNS lookups: text that is not a literal address is rejected. */
public final class Addresses {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    private Addresses() {}

    /**
     * The one order of address lists (a set's members, a workload's addresses): numeric, IPv4 before
     * IPv6, a CIDR by its network address then its text, anything unparsable last by its text.
     */
    public static final Comparator<String> ORDER = Comparator.comparing(Addresses::orderKey);

    /** The key {@link #ORDER} compares by; for callers that sort many addresses and compute each key once. */
    public static String orderKey(String ip) {
        return parse(ip.contains("/") ? ip.substring(0, ip.indexOf('/')) : ip)
                .map(a -> (a.getAddress().length == 4 ? "4" : "6") + HexFormat.of().formatHex(a.getAddress()) + ip)
                .orElse("9" + ip);
    }

    /**
     * These addresses (distinct, as a set's members are) in {@link #ORDER}, each one's key computed once:
     * comparing parsed addresses at every comparison made sets of thousands slow to sort.
     */
    public static List<String> sorted(Collection<String> addresses) {
        record Keyed(String key, String address) {}
        List<Keyed> keyed = new ArrayList<>(addresses.size());
        for (String a : addresses) keyed.add(new Keyed(orderKey(a), a));
        keyed.sort(Comparator.comparing(Keyed::key));
        List<String> out = new ArrayList<>(keyed.size());
        keyed.forEach(k -> out.add(k.address()));
        return out;
    }

    /** The addresses without repeats, in {@link #ORDER}. */
    public static List<String> canonical(List<String> addresses) {
        return addresses.stream().distinct().sorted(ORDER).toList();
    }

    /** Parses an IPv4 or IPv6 literal; never resolves names. */
    public static Optional<InetAddress> parse(String text) {
        if (text == null || text.isBlank()) return Optional.empty();
        String t = text.trim();
        boolean looksLiteral = IPV4.matcher(t).matches() || (t.contains(":") && IPV6.matcher(t).matches());
        if (!looksLiteral) return Optional.empty();
        try {
            return Optional.of(InetAddress.getByName(t));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    public static boolean isAddress(String text) {
        return parse(text).isPresent();
    }

    /** Whether {@code ip} lies inside {@code cidr} ("10.0.0.0/8", "fd00::/8"); false when either is malformed or the families differ. */
    public static boolean inSubnet(String ip, String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) return false;
        Optional<InetAddress> net = parse(cidr.substring(0, slash));
        Optional<InetAddress> addr = parse(ip);
        if (net.isEmpty() || addr.isEmpty()) return false;
        byte[] n = net.get().getAddress();
        byte[] a = addr.get().getAddress();
        if (n.length != a.length) return false;
        int bits;
        try {
            bits = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        if (bits < 0 || bits > n.length * 8) return false;
        for (int i = 0; i < n.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((n[i] & mask) != (a[i] & mask)) return false;
        }
        return true;
    }
}
