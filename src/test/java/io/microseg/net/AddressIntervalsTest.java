package io.microseg.net;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressIntervalsTest {
    private static AddressIntervals cidr(String c) {
        return AddressIntervals.ofCidr(c);
    }

    @Test
    void theIpv4InternetMinusTenSlashEightIsEightCidrs() {
        AddressIntervals outside = cidr("0.0.0.0/0").intersect(cidr("10.0.0.0/8").complement());
        assertThat(outside.cidrs()).containsExactly("0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6",
                "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/1");
        assertThat(outside.contains("8.8.8.8")).isTrue();
        assertThat(outside.contains("10.1.2.3")).isFalse();
        assertThat(outside.contains("2001:db8::1")).as("the other family is not in an IPv4 CIDR").isFalse();
    }

    @Test
    void theIpv6InternetMinusAUniqueLocalPrefix() {
        AddressIntervals outside = cidr("::/0").intersect(cidr("fd00::/8").complement());
        assertThat(outside.cidrs()).containsExactly("::/1", "8000::/2", "c000::/3", "e000::/4", "f000::/5",
                "f800::/6", "fc00::/8", "fe00::/7");
        assertThat(outside.contains("2001:db8::1")).isTrue();
        assertThat(outside.contains("fd00::5")).isFalse();
    }

    @Test
    void unionMergesOverlappingAndAdjacentIntervalsIntoTheFewestCidrs() {
        AddressIntervals u = cidr("10.0.0.0/25").union(cidr("10.0.0.128/25")).union(cidr("10.0.0.64/26"));
        assertThat(u.cidrs()).containsExactly("10.0.0.0/24");
        assertThat(cidr("10.0.0.1/32").union(cidr("10.0.0.2/31")).cidrs()).containsExactly("10.0.0.1/32", "10.0.0.2/31");
        assertThat(cidr("192.168.1.7/24").cidrs()).as("bits past the prefix are ignored").containsExactly("192.168.1.0/24");
    }

    @Test
    void bothFamiliesAndTheirComplements() {
        AddressIntervals internet = cidr("0.0.0.0/0").union(cidr("::/0"));
        assertThat(internet).isEqualTo(AddressIntervals.all());
        assertThat(internet.cidrs()).containsExactly("0.0.0.0/0", "::/0");
        assertThat(internet.complement().isEmpty()).isTrue();
        assertThat(AddressIntervals.none().complement()).isEqualTo(AddressIntervals.all());
        assertThat(cidr("203.0.113.0/24").intersect(cidr("2001:db8::/32")).isEmpty()).isTrue();
        assertThat(cidr("::ffff:0:0/96").cidrs()).as("an IPv4-mapped block stays IPv6").containsExactly("::ffff:0:0/96");
        assertThat(cidr("2001:db8::1/128").cidrs()).containsExactly("2001:db8::1/128");
    }

    @Test
    void aSetContainsItsAddressesAndTheAddressesOfItsCidrs() {
        List<String> members = List.of("10.0.0.1", "fd00:0::1", "203.0.113.0/24", "2001:db8::/32");
        assertThat(AddressIntervals.setContains(members, "10.0.0.1")).isTrue();
        assertThat(AddressIntervals.setContains(members, "fd00::1")).as("compared as addresses, not text").isTrue();
        assertThat(AddressIntervals.setContains(members, "203.0.113.7")).isTrue();
        assertThat(AddressIntervals.setContains(members, "2001:db8:5::9")).isTrue();
        assertThat(AddressIntervals.setContains(members, "10.0.0.2")).isFalse();
        assertThat(AddressIntervals.setContains(members, "203.0.114.1")).isFalse();
        assertThat(AddressIntervals.setContains(members, "not-an-address")).isFalse();
    }

    @Test
    void malformedCidrsAreRefusedNamingThem() {
        assertThatThrownBy(() -> cidr("10.0.0.0/33")).hasMessageContaining("10.0.0.0/33").hasMessageContaining("0 to 32");
        assertThatThrownBy(() -> cidr("10.0.0.0")).hasMessageContaining("not a CIDR");
        assertThatThrownBy(() -> cidr("example.com/8")).hasMessageContaining("example.com/8");
    }

    @Test
    void membersCoveredByAnotherMemberAreLeftOutOfASet() {
        assertThat(AddressIntervals.uncovered(List.of("10.244.1.30", "0.0.0.0/0", "::/0", "fd00::1", "192.168.1.5")))
                .as("the Internet covers every address").containsExactly("0.0.0.0/0", "::/0");
        assertThat(AddressIntervals.uncovered(List.of("203.0.113.9", "203.0.113.0/24", "203.0.113.0/25", "10.0.0.11", "10.0.0.12")))
                .as("nested CIDRs: the largest stays; disjoint members all stay").containsExactly("203.0.113.0/24", "10.0.0.11", "10.0.0.12");
        assertThat(AddressIntervals.uncovered(List.of("fd00::1", "fd00:0::1", "fd00::1/128", "10.0.0.1", "::ffff:10.0.0.1")))
                .as("equal members once, the first; an IPv4-mapped address is IPv6").containsExactly("fd00::1", "10.0.0.1", "::ffff:10.0.0.1");
        assertThat(AddressIntervals.uncovered(List.of("not-an-address", "10.0.0.0/8", "10.1.0.0/16")))
                .containsExactly("not-an-address", "10.0.0.0/8");
        assertThat(AddressIntervals.uncovered(List.of())).isEmpty();
    }

    /** Without a CIDR only equal addresses cover one another; the same answer as with one, however the address is written. */
    @Test
    void setsOfSingleAddressesKeepTheFirstOfEqualAddresses() {
        assertThat(AddressIntervals.uncovered(List.of("fd00::1", "10.0.0.1", "fd00:0::1", "10.0.0.2", "10.0.0.1", "::ffff:10.0.0.1", "x", "x")))
                .containsExactly("fd00::1", "10.0.0.1", "10.0.0.2", "::ffff:10.0.0.1", "x", "x");
        assertThat(AddressIntervals.uncovered(List.of("255.255.255.255", "0.0.0.0", "10.0.0.1", "010.0.0.1", "1.2.3", "1.2.3.4.5", "256.0.0.1")))
                .as("text that is no usual dotted quad is judged by the parser")
                .isEqualTo(uncoveredWithACidr(List.of("255.255.255.255", "0.0.0.0", "10.0.0.1", "010.0.0.1", "1.2.3", "1.2.3.4.5", "256.0.0.1")));
        java.util.Random random = new java.util.Random(3);
        for (int round = 0; round < 200; round++) {
            List<String> members = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                members.add(random.nextBoolean() ? "10.0." + random.nextInt(3) + "." + random.nextInt(4) : "fd00:" + (random.nextBoolean() ? "0:" : "") + ":" + random.nextInt(4));
            }
            assertThat(AddressIntervals.uncovered(members)).as("%s", members).isEqualTo(uncoveredWithACidr(members));
        }
    }

    /** The general path's answer: a CIDR of another family among the members, taken out again. */
    private static List<String> uncoveredWithACidr(List<String> members) {
        List<String> with = new java.util.ArrayList<>(members);
        with.add("192.0.2.0/32");
        List<String> out = new java.util.ArrayList<>(AddressIntervals.uncovered(with));
        out.remove("192.0.2.0/32");
        return out;
    }
}
