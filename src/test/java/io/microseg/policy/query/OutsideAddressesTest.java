package io.microseg.policy.query;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OutsideAddressesTest {
    private static List<String> outside(String query) {
        return OutsideAddresses.of(Query.parse(query)).cidrs();
    }

    @Test
    void subnetTermsNameTheirAddressesOfEitherFamily() {
        assertThat(outside("address in subnet 0.0.0.0/0 OR address in subnet ::/0")).containsExactly("0.0.0.0/0", "::/0");
        assertThat(outside("in subnet 203.0.113.0/24")).containsExactly("203.0.113.0/24");
    }

    @Test
    void aNotSubtractsItsSubnet() {
        assertThat(outside("address in subnet 0.0.0.0/0 AND NOT address in subnet 10.0.0.0/8"))
                .containsExactly("0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3",
                        "64.0.0.0/2", "128.0.0.0/1");
        assertThat(outside("NOT address in subnet 10.0.0.0/8"))
                .as("only addresses inside a CIDR the query names count, and 10/8 is the only one: none").isEmpty();
    }

    @Test
    void labelTermsNeverMatchAnOutsideAddress() {
        assertThat(outside("*")).isEmpty();
        assertThat(outside("NOT app = web")).isEmpty();
        assertThat(outside("app != web")).isEmpty();
        assertThat(outside("app = web AND address in subnet 10.0.0.0/8")).as("an address without labels is not app=web").isEmpty();
        assertThat(outside("app = web OR address in subnet 198.51.100.0/24")).containsExactly("198.51.100.0/24");
        assertThat(outside("app != web AND address in subnet 198.51.100.0/24"))
                .as("a label term, != too, is false for an outside address").isEmpty();
        assertThat(outside("NOT app = web AND address in subnet 198.51.100.0/24"))
                .as("the NOT of a label term is true for it").containsExactly("198.51.100.0/24");
    }
}
