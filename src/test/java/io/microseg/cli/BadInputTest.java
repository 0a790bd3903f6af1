package io.microseg.cli;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input: exit code 2 and one message naming the file, the object, the field and what was expected. Never a stack trace. */
class BadInputTest {
    @TempDir
    Path dir;

    private static final String POLICY = """
            apiVersion: microseg.io/v1
            kind: Workspace
            metadata: {name: ws}
            spec:
              scope: "*"
              policies:
                - id: p1
                  consumer: "%s"
                  provider: "*"
                  ports: ["%s"]
                  action: ALLOW
                - id: %s
                  consumer: "*"
                  provider: "*"
                  ports: ["TCP 80"]
                  action: ALLOW
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a bad query           | app = web AND    | TCP 80    | p2 | spec.policies[0].consumer | position",
            "port 0                | *                | TCP 0     | p2 | spec.policies[0].ports[0] | between 1 and 65535",
            "port above 65535      | *                | TCP 70000 | p2 | spec.policies[0].ports[0] | between 1 and 65535",
            "a reversed range      | *                | TCP 9-1   | p2 | spec.policies[0].ports[0] | ",
            "an unknown protocol   | *                | TPC 80    | p2 | spec.policies[0].ports[0] | TCP",
            "a duplicate policy id | *                | TCP 80    | p1 | spec.policies[1].id       | p1",
    })
    void aBadPolicyIsOneMessageWithFileFieldAndExpectation(String what, String consumer, String port, String secondId,
                                                          String field, String expected) throws IOException {
        Path policies = Files.createDirectories(dir.resolve("policies"));
        Files.writeString(policies.resolve("ws.yaml"), POLICY.formatted(consumer, port, secondId));

        Result r = run("compile", "--inventory", "config/demo/inventory", "--policies", policies.toString());

        assertThat(r.exit).as(what).isEqualTo(2);
        assertThat(r.err).contains("ws.yaml").contains(field).contains("expected");
        if (expected != null) assertThat(r.err).contains(expected);
        assertThat(r.err.lines().count()).isEqualTo(1);
        assertThat(r.err).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed YAML   | 'kind: Pod\\nmetadata: {name: [x'           | pods.yaml | malformed YAML",
            "a kind typo      | 'apiVersion: v1\\nkind: Pods\\nmetadata: {name: web}' | pods.yaml | did you mean Pod?",
            "a bad pod IP     | 'apiVersion: v1\\nkind: Pod\\nmetadata: {name: web, namespace: shop}\\nstatus: {podIP: 10.0.0.300}' | pods.yaml | podIP",
            "no namespace     | 'apiVersion: v1\\nkind: Pod\\nmetadata: {name: web}' | pods.yaml | pods.yaml:3: Pod web: field metadata.namespace",
    })
    void aBadInventoryFileIsOneMessageWithFileAndExpectation(String what, String yaml, String file, String expected) throws IOException {
        Path inventory = Files.createDirectories(dir.resolve("inventory"));
        Files.writeString(inventory.resolve(file), yaml.replace("\\n", "\n"));

        Result r = run("compile", "--inventory", inventory.toString(), "--policies", "config/demo/policies");

        assertThat(r.exit).as(what).isEqualTo(2);
        assertThat(r.err).contains(file).contains(expected);
        assertThat(r.err).doesNotContain("Exception").doesNotContain("\tat ");
    }

    record Result(int exit, String err) {}

    private static Result run(String... args) {
        CliRun r = CliRun.of(args);
        return new Result(r.exit(), r.err());
    }
}
