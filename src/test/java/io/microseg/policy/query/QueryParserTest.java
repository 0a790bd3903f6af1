package io.microseg.policy.query;

import io.microseg.inventory.Labels;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class QueryParserTest {

    private static Labels labels(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return new Labels(m);
    }

    private static boolean selects(String query, Labels labels) {
        return Query.parse(query).matches(labels, List.of());
    }

    private static boolean selects(String query, String... ips) {
        return Query.parse(query).matches(Labels.EMPTY, List.of(ips));
    }

    private static Expr.Compare eq(String key, String value) {
        return new Expr.Compare(key, Expr.Operator.EQUALS, value);
    }

    @Nested
    class TheSeedsQueries {
        @Test
        void production_hosts_or_production_pods() {
            String q = "environment = production OR orchestrator_environment = production";

            assertThat(selects(q, labels("environment", "production"))).isTrue();
            assertThat(selects(q, labels("orchestrator_environment", "production"))).isTrue();
            assertThat(selects(q, labels("environment", "staging"))).isFalse();
            assertThat(selects(q, Labels.EMPTY)).isFalse();
            assertThat(Query.parse(q)).isEqualTo(new Expr.Or(List.of(
                    eq("environment", "production"), eq("orchestrator_environment", "production"))));
            assertThat(Query.parse(q).text()).isEqualTo(q);
        }

        @Test
        void the_db_service() {
            String q = "orchestrator_system/service_name = db";

            assertThat(selects(q, labels("orchestrator_system/service_name", "db"))).isTrue();
            assertThat(selects(q, labels("orchestrator_system/service_name", "db-replica"))).isFalse();
            assertThat(Query.parse(q).text()).isEqualTo(q);
        }
    }

    @Nested
    class Operators {
        @Test
        void equals_needs_the_label_with_that_value() {
            assertThat(selects("app = web", labels("app", "web"))).isTrue();
            assertThat(selects("app = web", labels("app", "webshop"))).isFalse();
            assertThat(selects("app = web", Labels.EMPTY)).isFalse();
        }

        @Test
        void not_equals_also_selects_items_without_the_label_as_a_kubernetes_selector_does() {
            assertThat(selects("app != web", labels("app", "db"))).isTrue();
            assertThat(selects("app != web", Labels.EMPTY)).isTrue();
            assertThat(selects("app != web", labels("app", "WEB"))).isFalse();
        }

        @Test
        void contains_needs_the_label_and_the_text_anywhere_in_its_value() {
            assertThat(selects("image contains nginx", labels("image", "docker.io/NGINX:1.25"))).isTrue();
            assertThat(selects("image contains nginx", labels("image", "httpd"))).isFalse();
            assertThat(selects("image contains nginx", Labels.EMPTY)).isFalse();
        }

        @Test
        void starts_with_needs_the_label_and_the_prefix() {
            assertThat(selects("name starts with web", labels("name", "Web-1"))).isTrue();
            assertThat(selects("name starts with web", labels("name", "my-web"))).isFalse();
            assertThat(selects("name starts with web", labels("name", "we"))).isFalse();
            assertThat(selects("name starts with web", Labels.EMPTY)).isFalse();
        }

        @Test
        void star_selects_everything() {
            assertThat(selects("*", Labels.EMPTY)).isTrue();
            assertThat(Query.parse(" * ")).isEqualTo(new Expr.All());
        }

        @Test
        void keys_may_be_kubernetes_style_paths() {
            assertThat(selects("app.kubernetes.io/name = web", labels("app.kubernetes.io/name", "web"))).isTrue();
            assertThat(selects("orchestrator_app.kubernetes.io/part-of = shop",
                    labels("orchestrator_app.kubernetes.io/part-of", "shop"))).isTrue();
        }

        @Test
        void operators_need_no_spaces_around_them() {
            assertThat(Query.parse("(app=web)OR(tier!=db)")).isEqualTo(Query.parse("app = web OR tier != db"));
        }

        @Test
        void bare_values_keep_colons_stars_and_slashes() {
            assertThat(Query.parse("image = nginx:1.25")).isEqualTo(eq("image", "nginx:1.25"));
            assertThat(Query.parse("path = /var/*")).isEqualTo(eq("path", "/var/*"));
            assertThat(Query.parse("k = a=b")).isEqualTo(eq("k", "a=b"));
        }

        @Test
        void a_label_may_be_called_in() {
            assertThat(selects("in = yes", labels("in", "yes"))).isTrue();
        }

        @Test
        void keywords_are_values_where_a_value_stands() {
            assertThat(Query.parse("mode = and")).isEqualTo(eq("mode", "and"));
        }
    }

    @Nested
    class CaseInsensitivity {
        @Test
        void keys_and_values_compare_ignoring_case() {
            assertThat(selects("Environment = PRODUCTION", labels("environment", "Production"))).isTrue();
            assertThat(selects("ENV contains PROD", labels("env", "preproduction"))).isTrue();
            assertThat(selects("env starts with PRE", labels("Env", "preproduction"))).isTrue();
        }

        @Test
        void keywords_and_operators_are_case_insensitive() {
            assertThat(Query.parse("a = 1 or not b = 2 and c Contains 3 AND d STARTS With 4 aNd IP In SubNet 10.0.0.0/8"))
                    .isEqualTo(Query.parse("a = 1 OR NOT b = 2 AND c contains 3 AND d starts with 4 AND address in subnet 10.0.0.0/8"));
        }

        @Test
        void a_keyword_must_stand_alone_so_longer_words_are_keys() {
            assertThat(selects("android = yes", labels("android", "yes"))).isTrue();
            assertThat(selects("not_ready = true", labels("not_ready", "true"))).isTrue();
            assertThat(selects("order = 1", labels("order", "1"))).isTrue();
        }
    }

    @Nested
    class Precedence {
        @Test
        void and_binds_tighter_than_or() {
            Query q = Query.parse("a = 1 OR b = 1 AND c = 1");

            assertThat(q).isEqualTo(new Expr.Or(List.of(eq("a", "1"), new Expr.And(List.of(eq("b", "1"), eq("c", "1"))))));
            assertThat(q.matches(labels("a", "1"), List.of())).isTrue();
            assertThat(q.matches(labels("b", "1"), List.of())).isFalse();
        }

        @Test
        void not_binds_tighter_than_and() {
            Query q = Query.parse("NOT a = 1 AND b = 1");

            assertThat(q).isEqualTo(new Expr.And(List.of(new Expr.Not(eq("a", "1")), eq("b", "1"))));
            assertThat(q.matches(labels("b", "1"), List.of())).isTrue();
            assertThat(q.matches(labels("a", "1", "b", "1"), List.of())).isFalse();
        }

        @Test
        void parentheses_group_first() {
            Query q = Query.parse("(a = 1 OR b = 1) AND c = 1");

            assertThat(q.matches(labels("b", "1", "c", "1"), List.of())).isTrue();
            assertThat(q.matches(labels("b", "1"), List.of())).isFalse();
            assertThat(q.text()).isEqualTo("(a = 1 OR b = 1) AND c = 1");
        }

        @Test
        void not_of_a_group_negates_the_group() {
            Query q = Query.parse("NOT (a = 1 OR b = 1)");

            assertThat(q.matches(Labels.EMPTY, List.of())).isTrue();
            assertThat(q.matches(labels("b", "1"), List.of())).isFalse();
            assertThat(q.text()).isEqualTo("NOT (a = 1 OR b = 1)");
        }

        @Test
        void not_may_repeat() {
            assertThat(selects("NOT NOT a = 1", labels("a", "1"))).isTrue();
        }
    }

    @Nested
    class Quoting {
        @Test
        void quoted_values_may_hold_spaces_parentheses_and_the_other_quote() {
            assertThat(selects("owner = 'Data Team (EU)'", labels("owner", "data team (eu)"))).isTrue();
            assertThat(selects("note = \"it's\"", labels("note", "it's"))).isTrue();
            assertThat(selects("note = 'say \"hi\"'", labels("note", "say \"hi\""))).isTrue();
        }

        @Test
        void quoted_keys_may_hold_anything_and_may_be_keywords() {
            assertThat(selects("\"team name\" = ops", labels("team name", "ops"))).isTrue();
            assertThat(selects("'or' = x", labels("or", "x"))).isTrue();
        }

        @Test
        void an_empty_quoted_value_matches_an_empty_label() {
            assertThat(selects("flag = ''", labels("flag", ""))).isTrue();
            assertThat(selects("flag = ''", Labels.EMPTY)).isFalse();
        }

        @Test
        void text_quotes_only_what_needs_it_and_reads_back_the_same() {
            Query q = Query.parse("'team name' = \"Data Team\" AND \"app\" = 'web' AND 'or' = x AND n = ''");

            assertThat(q.text()).isEqualTo("\"team name\" = \"Data Team\" AND app = web AND \"or\" = x AND n = \"\"");
        }
    }

    @Nested
    class InSubnet {
        @Test
        void any_of_the_items_addresses_in_an_ipv4_cidr() {
            assertThat(selects("address in subnet 10.0.0.0/8", "10.1.2.3")).isTrue();
            assertThat(selects("address in subnet 10.0.0.0/8", "192.168.0.1", "10.9.9.9")).isTrue();
            assertThat(selects("address in subnet 10.0.0.0/8", "192.168.0.1")).isFalse();
            assertThat(selects("address in subnet 10.0.0.0/8")).as("an item without addresses").isFalse();
        }

        @Test
        void ipv6_cidrs_match_ipv6_addresses_only() {
            assertThat(selects("address in subnet fd00::/8", "fd00:10::1")).isTrue();
            assertThat(selects("address in subnet fd00::/8", "fe80::1")).isFalse();
            assertThat(selects("address in subnet fd00::/8", "10.0.0.1")).isFalse();
            assertThat(selects("address in subnet 0.0.0.0/0", "fd00::1")).isFalse();
        }

        @Test
        void address_ip_and_no_key_are_the_same_query() {
            Query q = Query.parse("address in subnet 10.0.0.0/8");

            assertThat(Query.parse("ip in subnet 10.0.0.0/8")).isEqualTo(q);
            assertThat(Query.parse("in subnet 10.0.0.0/8")).isEqualTo(q);
            assertThat(Query.parse("in subnet '10.0.0.0/8'")).isEqualTo(q);
            assertThat(q.text()).isEqualTo("address in subnet 10.0.0.0/8");
        }

        @Test
        void combines_with_labels() {
            Query q = Query.parse("app = web AND NOT in subnet 10.0.0.0/8");

            assertThat(q.matches(labels("app", "web"), List.of("192.168.1.1"))).isTrue();
            assertThat(q.matches(labels("app", "web"), List.of("10.0.0.1"))).isFalse();
        }
    }

    @Nested
    class CanonicalText {
        @ParameterizedTest
        @ValueSource(strings = {
                "a = 1",
                "(a=1)",
                "a = 1 and (b = 2 and c = 3)",
                "((a = 1 OR b = 2)) OR c = 3",
                "NOT (a = 1 AND b = 2) OR NOT c = 3",
                "(a = 1 OR b = 2) AND (c = 3 OR NOT d = 4)",
                "'x y' contains 'a b' AND p starts with /var AND * AND ip in subnet fd00::/8",
        })
        void parsing_the_text_gives_back_an_equal_query(String written) {
            Query q = Query.parse(written);

            assertThat(Query.parse(q.text())).isEqualTo(q);
            assertThat(q.toString()).isEqualTo(q.text());
        }

        @Test
        void redundant_parentheses_spaces_and_nesting_are_dropped() {
            assertThat(Query.parse("  ( a=1 )  and ( b = 2 AND c = 3 ) ").text()).isEqualTo("a = 1 AND b = 2 AND c = 3");
        }
    }

    @Nested
    class Errors {
        @ParameterizedTest(name = "[{0}] at {1}: expected {2}")
        @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
                "``                                  | 0  | a query (use * to select everything)",
                "`   `                               | 3  | a query (use * to select everything)",
                "environment production              | 12 | an operator (=, !=, contains, starts with, in subnet)",
                "environment                         | 11 | an operator (=, !=, contains, starts with, in subnet)",
                "environment =                       | 13 | a value",
                "(environment = )                    | 15 | a value",
                "a == 1                              | 3  | a value",
                "(a = 1 OR b = 2                     | 15 | ')'",
                "(a = 1 b = 2)                       | 7  | AND, OR or ')'",
                "a = 1)                              | 5  | AND, OR or the end of the query",
                "a = 1 b = 2                         | 6  | AND, OR or the end of the query",
                "a = 1 ANDROID = 2                   | 6  | AND, OR or the end of the query",
                "a = 'x                              | 6  | a closing quote",
                "'a = x                              | 6  | a closing quote",
                "in subnet 10.0.0.0                  | 10 | a CIDR such as 10.0.0.0/8",
                "address in subnet 300.0.0.0/8       | 18 | a CIDR such as 10.0.0.0/8",
                "address in subnet 10.0.0.0/33       | 18 | a CIDR such as 10.0.0.0/8",
                "address in subnet fd00::/129        | 18 | a CIDR such as 10.0.0.0/8",
                "address in subnet web               | 18 | a CIDR such as 10.0.0.0/8",
                "address in subnet                   | 17 | a CIDR such as 10.0.0.0/8",
                "name in subnet 10.0.0.0/8           | 0  | address or ip before in subnet (only addresses are in subnets)",
                "address in 10.0.0.0/8               | 11 | subnet (as in \"address in subnet 10.0.0.0/8\")",
                "name starts web                     | 12 | with (as in \"name starts with web\")",
                "a = 1 AND                           | 9  | a condition such as key = value",
                "NOT                                 | 3  | a condition such as key = value",
                "= production                        | 0  | a condition such as key = value",
                "a = 1 AND OR b = 2                  | 10 | a condition such as key = value",
                "()                                  | 1  | a condition such as key = value",
                "'' = x                              | 0  | a label key between the quotes",
        })
        void name_the_position_and_what_was_expected(String query, int position, String expected) {
            QueryException e = catchThrowableOfType(QueryException.class, () -> Query.parse(query));

            assertThat(e).as("parsing [%s]", query).isNotNull();
            assertThat(e.query()).isEqualTo(query);
            assertThat(e.position()).isEqualTo(position);
            assertThat(e.expected()).isEqualTo(expected);
        }

        @Test
        void the_message_counts_positions_from_one_and_quotes_the_query() {
            assertThatThrownBy(() -> Query.parse("environment production"))
                    .isInstanceOf(QueryException.class)
                    .hasMessage("at position 13 of \"environment production\": "
                            + "expected an operator (=, !=, contains, starts with, in subnet)");
        }

        @Test
        void a_null_query_is_an_empty_one() {
            QueryException e = catchThrowableOfType(QueryException.class, () -> Query.parse(null));

            assertThat(e.expected()).isEqualTo("a query (use * to select everything)");
        }

        @Test
        void absurd_nesting_is_an_error_not_a_stack_overflow() {
            String deep = "(".repeat(10_000) + "a = 1" + ")".repeat(10_000);

            assertThatThrownBy(() -> Query.parse(deep))
                    .isInstanceOf(QueryException.class)
                    .hasMessageContaining("at most 100 nested parentheses or NOTs");
        }
    }
}
