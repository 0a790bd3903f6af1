package io.microseg.policy;

import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import io.microseg.net.PortRange;
import io.microseg.net.Protocol;
import io.microseg.policy.query.Query;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

class PolicyReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String yaml) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private InputException readFails() {
        InputException e = catchThrowableOfType(InputException.class, () -> PolicyReader.read(dir));
        assertThat(e).as("reading %s should fail", dir).isNotNull();
        return e;
    }

    /** A workspace {@code prod} with one valid policy {@code web-db}, except for {@code changes} (field, YAML value; null drops the field). */
    private static String workspaceWithPolicy(String... changes) {
        Map<String, String> policy = new LinkedHashMap<>();
        policy.put("id", "web-db");
        policy.put("consumer", "\"app = web\"");
        policy.put("provider", "\"app = db\"");
        policy.put("ports", "[\"TCP 5432\"]");
        policy.put("action", "ALLOW");
        for (int i = 0; i < changes.length; i += 2) {
            if (changes[i + 1] == null) policy.remove(changes[i]);
            else policy.put(changes[i], changes[i + 1]);
        }
        StringBuilder yaml = new StringBuilder("""
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: prod}
                spec:
                  scope: "*"
                  policies:
                """);
        String dash = "    - ";
        for (Map.Entry<String, String> f : policy.entrySet()) {
            yaml.append(dash).append(f.getKey()).append(": ").append(f.getValue()).append('\n');
            dash = "      ";
        }
        return yaml.toString();
    }

    @Nested
    class AGoodWorkspace {
        @Test
        void reads_every_field() {
            Path file = write("prod.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Workspace
                    metadata: {name: prod}
                    spec:
                      scope: "orchestrator_system/cluster_name = demo OR environment = production"
                      catchAll: {ingress: DENY, egress: ALLOW}
                      policies:
                        - id: db-nodeport
                          consumer: "environment = production OR orchestrator_environment = production"
                          provider: "orchestrator_system/service_name = db"
                          ports: ["TCP 27017", "udp 53", "SCTP 9000", "TCP 8000-8080", "ICMP", "any"]
                          action: ALLOW
                          rank: ABSOLUTE
                          priority: 10
                    """);

            List<Workspace> read = PolicyReader.read(dir);

            assertThat(read).containsExactly(new Workspace("prod",
                    Query.parse("orchestrator_system/cluster_name = demo OR environment = production"),
                    Action.DENY, Action.ALLOW,
                    List.of(new Policy("db-nodeport",
                            Query.parse("environment = production OR orchestrator_environment = production"),
                            Query.parse("orchestrator_system/service_name = db"),
                            List.of(new PortSpec(Protocol.TCP, PortRange.single(27017)),
                                    new PortSpec(Protocol.UDP, PortRange.single(53)),
                                    new PortSpec(Protocol.SCTP, PortRange.single(9000)),
                                    new PortSpec(Protocol.TCP, new PortRange(8000, 8080)),
                                    new PortSpec(Protocol.ICMP, PortRange.NONE),
                                    new PortSpec(Protocol.ANY, PortRange.NONE)),
                            Action.ALLOW, Rank.ABSOLUTE, 10)),
                    file.toString()));
            assertThat(read.get(0).qualify(read.get(0).policies().get(0))).isEqualTo("prod/db-nodeport");
        }

        @Test
        void defaults_allow_both_ways_rank_default_and_priority_100() {
            write("prod.yaml", workspaceWithPolicy());

            Workspace ws = PolicyReader.read(dir).get(0);
            Policy p = ws.policies().get(0);

            assertThat(ws.catchAllIngress()).isEqualTo(Action.ALLOW);
            assertThat(ws.catchAllEgress()).isEqualTo(Action.ALLOW);
            assertThat(p.rank()).isEqualTo(Rank.DEFAULT);
            assertThat(p.priority()).isEqualTo(100);
        }

        @Test
        void a_catch_all_may_name_one_direction_and_a_workspace_may_have_no_policies() {
            write("deny.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Workspace
                    metadata: {name: lockdown}
                    spec:
                      scope: "environment = quarantine"
                      catchAll: {ingress: deny}
                    """);

            Workspace ws = PolicyReader.read(dir).get(0);

            assertThat(ws.catchAllIngress()).isEqualTo(Action.DENY);
            assertThat(ws.catchAllEgress()).isEqualTo(Action.ALLOW);
            assertThat(ws.policies()).isEmpty();
        }

        @Test
        void actions_ranks_and_protocols_ignore_case() {
            write("prod.yaml", workspaceWithPolicy("action", "deny", "rank", "absolute", "ports", "[\"tcp 1-65535\"]"));

            Policy p = PolicyReader.read(dir).get(0).policies().get(0);

            assertThat(p.action()).isEqualTo(Action.DENY);
            assertThat(p.rank()).isEqualTo(Rank.ABSOLUTE);
            assertThat(p.ports()).containsExactly(new PortSpec(Protocol.TCP, new PortRange(1, 65535)));
        }
    }

    @Nested
    class SeveralDocuments {
        private static String workspace(String name) {
            return """
                    apiVersion: microseg.io/v1
                    kind: Workspace
                    metadata: {name: %s}
                    spec: {scope: "app = %s"}
                    """.formatted(name, name);
        }

        @Test
        void a_file_may_hold_several_workspaces_and_a_folder_several_files_in_path_order() {
            write("b.yaml", workspace("web") + "---\n" + workspace("db"));
            write("a/first.yml", workspace("edge"));

            assertThat(PolicyReader.read(dir)).extracting(Workspace::name).containsExactly("edge", "web", "db");
        }

        @Test
        void one_file_reads_alone_and_remembers_where_it_came_from() {
            Path file = write("b.yaml", workspace("web") + "---\n" + workspace("db"));
            write("c.yaml", workspace("other"));

            assertThat(PolicyReader.readFile(file))
                    .extracting(Workspace::name, Workspace::source)
                    .containsExactly(tuple("web", file.toString()),
                            tuple("db", file.toString()));
        }

        @Test
        void documents_already_parsed_read_the_same() {
            assertThat(PolicyReader.read(YamlDocuments.parse("inline.yaml", workspace("web"))))
                    .singleElement().extracting(Workspace::scope).isEqualTo(Query.parse("app = web"));
        }
    }

    @Nested
    class Errors {
        private void assertError(InputException e, Path file, int line, String object, String field, String expected) {
            assertThat(e.file()).isEqualTo(file.toString());
            assertThat(e.line()).isEqualTo(line);
            assertThat(e.object()).isEqualTo(object);
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.expected()).isEqualTo(expected);
            assertThat(e.getMessage()).isEqualTo(file + ":" + line + ": " + object + ": field " + field + ": " + expected);
        }

        @ParameterizedTest(name = "{0}: {1} -> {3}")
        @CsvSource(delimiter = '|', quoteCharacter = '`', nullValues = "-", value = {
                // field   | YAML value                  | field in error              | expected
                "ports     | [\"TCP 80\", \"TCP 0\"]     | spec.policies[0].ports[1]   | expected a port between 1 and 65535, found 0",
                "ports     | [\"TCP 65536\"]             | spec.policies[0].ports[0]   | expected a port between 1 and 65535, found 65536",
                "ports     | [\"TCP 99999999999\"]       | spec.policies[0].ports[0]   | expected a port between 1 and 65535, found 99999999999",
                "ports     | [\"TCP http\"]              | spec.policies[0].ports[0]   | expected a port between 1 and 65535, found http",
                "ports     | [\"TCP 8080-\"]             | spec.policies[0].ports[0]   | expected a port between 1 and 65535, found nothing",
                "ports     | [\"TCP 8080-8000\"]         | spec.policies[0].ports[0]   | expected a range from low to high such as 8000-8080, found 8080-8000",
                "ports     | [\"HTTP 80\"]               | spec.policies[0].ports[0]   | expected a protocol (TCP, UDP, SCTP, ICMP or ANY), found \"HTTP\"",
                "ports     | [\"ICMP 8\"]                | spec.policies[0].ports[0]   | expected no port after ICMP, which has none, found \"ICMP 8\"",
                "ports     | [\"ANY 80\"]                | spec.policies[0].ports[0]   | expected no port after ANY, which has none, found \"ANY 80\"",
                "ports     | [\"TCP\"]                   | spec.policies[0].ports[0]   | expected a port or range after TCP, such as \"TCP 443\" or \"TCP 1-65535\"",
                "ports     | [\"TCP 80 443\"]            | spec.policies[0].ports[0]   | expected one port or range per entry, such as \"TCP 8000-8080\", found \"TCP 80 443\"",
                "ports     | [80]                        | spec.policies[0].ports[0]   | expected a port such as \"TCP 27017\", \"UDP 53\", \"TCP 8000-8080\", \"ICMP\" or \"ANY\", found 80",
                "ports     | -                           | spec.policies[0].ports      | expected a list of ports such as [\"TCP 27017\"]",
                "ports     | []                          | spec.policies[0].ports      | expected a list of ports such as [\"TCP 27017\"], found a list",
                "ports     | TCP 80                      | spec.policies[0].ports      | expected a list of ports such as [\"TCP 27017\"], found \"TCP 80\"",
                "action    | PERMIT                      | spec.policies[0].action     | expected ALLOW or DENY, found \"PERMIT\"",
                "action    | -                           | spec.policies[0].action     | expected an action, ALLOW or DENY",
                "rank      | FIRST                       | spec.policies[0].rank       | expected ABSOLUTE or DEFAULT, found \"FIRST\"",
                "rank      | CATCHALL                    | spec.policies[0].rank       | expected ABSOLUTE or DEFAULT, found CATCHALL (the catch-all is set by spec.catchAll)",
                "priority  | high                        | spec.policies[0].priority   | expected an integer priority (lower runs first), found \"high\"",
                "priority  | 1.5                         | spec.policies[0].priority   | expected an integer priority (lower runs first), found 1.5",
                "priority  | 3000000000                  | spec.policies[0].priority   | expected an integer priority (lower runs first), found 3000000000",
                "consumer  | -                           | spec.policies[0].consumer   | expected a query in quotes such as \"environment = production\" (\"*\" for everything)",
                "provider  | 42                          | spec.policies[0].provider   | expected a query in quotes such as \"environment = production\" (\"*\" for everything), found 42",
                "consumers | \"app = web\"               | spec.policies[0].consumers  | expected only id, consumer, provider, ports, action, rank and priority, found unknown field consumers (did you mean consumer?)",
                "port      | [\"TCP 80\"]                | spec.policies[0].port       | expected only id, consumer, provider, ports, action, rank and priority, found unknown field port (did you mean ports?)",
                "comment   | hello                       | spec.policies[0].comment    | expected only id, consumer, provider, ports, action, rank and priority, found unknown field comment",
                "id        | web/db                      | spec.policies[0].id         | expected a policy id without '/' or spaces, found \"web/db\"",
        })
        void a_policy_field_names_the_policy_the_field_and_what_was_expected(String field, String yaml, String errorField, String expected) {
            String text = workspaceWithPolicy(field, yaml);
            Path file = write("prod.yaml", text);

            String id = field.equals("id") ? yaml : "web-db";
            assertError(readFails(), file, lineOf(text, field), "Policy prod/" + id, errorField, expected);
        }

        /** The line of the policy's field, or of the policy (line 7) when the field is not there. */
        private static int lineOf(String yaml, String field) {
            String[] lines = yaml.split("\n");
            for (int i = 0; i < lines.length; i++) {
                String l = lines[i].trim();
                if (l.startsWith(field + ":") || l.startsWith("- " + field + ":")) return i + 1;
            }
            return 7;
        }

        @Test
        void a_bad_query_names_the_policy_the_position_and_what_was_expected() {
            Path file = write("prod.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Workspace
                    metadata: {name: prod}
                    spec:
                      scope: "*"
                      policies:
                        - {id: p1, consumer: "*", provider: "*", ports: [ANY], action: ALLOW}
                        - {id: p2, consumer: "*", provider: "*", ports: [ANY], action: ALLOW}
                        - {id: p3, consumer: "environment production", provider: "*", ports: [ANY], action: ALLOW}
                    """);

            assertError(readFails(), file, 9, "Policy prod/p3", "spec.policies[2].consumer",
                    "at position 13 of \"environment production\": expected an operator (=, !=, contains, starts with, in subnet)");
        }

        @Test
        void a_bad_scope_names_the_workspace() {
            Path file = write("prod.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Workspace
                    metadata: {name: prod}
                    spec: {scope: "address in subnet 10.0.0.0/33"}
                    """);

            assertError(readFails(), file, 4, "Workspace prod", "spec.scope",
                    "at position 19 of \"address in subnet 10.0.0.0/33\": expected a CIDR such as 10.0.0.0/8");
        }

        @Test
        void the_line_is_where_the_field_is_written() {
            String good = workspaceWithPolicy();
            String bad = workspaceWithPolicy("action", "MAYBE").replace("name: prod", "name: dev");
            Path file = write("prod.yaml", good + "---\n" + bad);
            int badStarts = good.split("\n").length + 2; // after the good document and the "---"

            assertError(readFails(), file, badStarts + 10, "Policy dev/web-db", "spec.policies[0].action",
                    "expected ALLOW or DENY, found \"MAYBE\"");
        }

        @Test
        void a_missing_scope() {
            Path file = write("prod.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Workspace
                    metadata: {name: prod}
                    spec: {policies: []}
                    """);

            assertError(readFails(), file, 4, "Workspace prod", "spec.scope",
                    "expected a query in quotes such as \"environment = production\" (\"*\" for everything)");
        }

        @Test
        void a_missing_spec() {
            Path file = write("prod.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Workspace
                    metadata: {name: prod}
                    """);

            assertError(readFails(), file, 1, "Workspace prod", "spec",
                    "expected a mapping with scope, catchAll and policies, found nothing");
        }

        @Test
        void a_wrong_api_version() {
            Path file = write("prod.yaml", workspaceWithPolicy().replace("microseg.io/v1", "v1"));

            assertError(readFails(), file, 1, "Workspace prod", "apiVersion",
                    "expected apiVersion microseg.io/v1 and kind Workspace, found apiVersion v1 and kind Workspace");
        }

        @Test
        void a_wrong_kind_such_as_inventory_in_the_policy_folder() {
            Path file = write("pod.yaml", """
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: db-0, namespace: web}
                    """);

            assertError(readFails(), file, 1, "Pod web/db-0", "apiVersion",
                    "expected apiVersion microseg.io/v1 and kind Workspace, found apiVersion v1 and kind Pod");
        }

        @Test
        void a_kind_spelled_wrong() {
            Path file = write("prod.yaml", workspaceWithPolicy().replace("kind: Workspace", "kind: workspace"));

            assertError(readFails(), file, 2, "workspace prod", "kind",
                    "expected apiVersion microseg.io/v1 and kind Workspace, found apiVersion microseg.io/v1 and kind workspace");
        }

        @Test
        void a_missing_or_empty_name() {
            Path file = write("prod.yaml", workspaceWithPolicy().replace("metadata: {name: prod}", "metadata: {}"));
            assertError(readFails(), file, 3, "Workspace <unnamed>", "metadata.name", "expected a workspace name");

            write("prod.yaml", workspaceWithPolicy().replace("metadata: {name: prod}", "metadata: {name: \"\"}"));
            assertError(readFails(), file, 3, "Workspace <unnamed>", "metadata.name", "expected a workspace name");
        }

        @Test
        void a_name_with_a_slash_would_make_policy_ids_ambiguous() {
            Path file = write("prod.yaml", workspaceWithPolicy().replace("name: prod", "name: team/prod"));

            assertError(readFails(), file, 3, "Workspace team/prod", "metadata.name",
                    "expected a workspace name without '/' or spaces, found \"team/prod\"");
        }

        @Test
        void a_policy_without_an_id_is_named_by_its_workspace() {
            Path file = write("prod.yaml", workspaceWithPolicy("id", null));

            assertError(readFails(), file, 7, "Workspace prod", "spec.policies[0].id", "expected a policy id");
        }

        @Test
        void a_duplicate_policy_id_in_a_workspace() {
            Path file = write("prod.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Workspace
                    metadata: {name: prod}
                    spec:
                      scope: "*"
                      policies:
                        - {id: dns, consumer: "*", provider: "app = dns", ports: ["UDP 53"], action: ALLOW}
                        - {id: web, consumer: "*", provider: "app = web", ports: ["TCP 443"], action: ALLOW}
                        - {id: dns, consumer: "*", provider: "app = dns", ports: ["TCP 53"], action: ALLOW}
                    """);

            assertError(readFails(), file, 9, "Policy prod/dns", "spec.policies[2].id",
                    "expected a policy id used once in the workspace, found dns also at spec.policies[0].id");
        }

        @Test
        void the_same_policy_id_in_two_workspaces_is_fine() {
            write("prod.yaml", workspaceWithPolicy() + "---\n" + workspaceWithPolicy().replace("name: prod", "name: dev"));

            assertThat(PolicyReader.read(dir)).hasSize(2);
        }

        @Test
        void a_duplicate_workspace_name_across_files_names_both_files() {
            Path first = write("a.yaml", workspaceWithPolicy());
            Path second = write("b.yaml", "# the same again\n" + workspaceWithPolicy());

            assertError(readFails(), second, 4, "Workspace prod", "metadata.name",
                    "expected a workspace name used only once, found prod also in " + first + ":1");
        }

        @Test
        void an_unknown_field_under_spec() {
            Path file = write("prod.yaml", workspaceWithPolicy().replace("policies:", "polices:"));

            assertError(readFails(), file, 6, "Workspace prod", "spec.polices",
                    "expected only scope, catchAll, enforcement and policies, found unknown field polices (did you mean policies?)");
        }

        @Test
        void an_unknown_field_under_catch_all() {
            Path file = write("prod.yaml", workspaceWithPolicy().replace("  policies:", "  catchAll: {ingres: DENY}\n  policies:"));

            assertError(readFails(), file, 6, "Workspace prod", "spec.catchAll.ingres",
                    "expected only ingress and egress, found unknown field ingres (did you mean ingress?)");
        }

        @Test
        void an_unknown_catch_all_action() {
            Path file = write("prod.yaml", workspaceWithPolicy().replace("  policies:", "  catchAll: {egress: DROP}\n  policies:"));

            assertError(readFails(), file, 6, "Workspace prod", "spec.catchAll.egress", "expected ALLOW or DENY, found \"DROP\"");
        }

        @Test
        void policies_that_are_not_a_list() {
            Path file = write("prod.yaml", """
                    apiVersion: microseg.io/v1
                    kind: Workspace
                    metadata: {name: prod}
                    spec: {scope: "*", policies: {id: x}}
                    """);

            assertError(readFails(), file, 4, "Workspace prod", "spec.policies", "expected a list of policies, found a mapping");
        }
    }
}
