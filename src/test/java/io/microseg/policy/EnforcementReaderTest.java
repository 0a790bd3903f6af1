package io.microseg.policy;

import io.microseg.input.InputException;
import io.microseg.input.YamlDocuments;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Workspace field {@code spec.enforcement}: enforce (the default) or audit, anything else refused. */
class EnforcementReaderTest {
    private static String workspace(String enforcementLine) {
        return """
                apiVersion: microseg.io/v1
                kind: Workspace
                metadata: {name: prod}
                spec:
                  scope: "environment = production"
                """ + enforcementLine + """
                  catchAll: {ingress: DENY}
                """;
    }

    private static List<Workspace> read(String yaml) {
        return PolicyReader.read(YamlDocuments.parse("prod.yaml", yaml));
    }

    @Test
    void without_the_field_a_workspace_is_enforced() {
        assertThat(read(workspace(""))).singleElement().extracting(Workspace::enforcement).isEqualTo(Enforcement.ENFORCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"audit", "AUDIT", "Audit"})
    void audit_in_any_case(String value) {
        assertThat(read(workspace("  enforcement: " + value + "\n"))).singleElement()
                .extracting(Workspace::enforcement).isEqualTo(Enforcement.AUDIT);
    }

    @Test
    void enforce_spelt_out() {
        assertThat(read(workspace("  enforcement: enforce\n"))).singleElement()
                .extracting(Workspace::enforcement).isEqualTo(Enforcement.ENFORCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dry-run", "\"\"", "true", "1", "[audit]", "{mode: audit}"})
    void anything_else_is_refused_naming_the_file_line_field_and_allowed_values(String value) {
        assertThatThrownBy(() -> read(workspace("  enforcement: " + value + "\n")))
                .isInstanceOf(InputException.class)
                .satisfies(e -> {
                    InputException x = (InputException) e;
                    assertThat(x.file()).isEqualTo("prod.yaml");
                    assertThat(x.line()).isEqualTo(6);
                    assertThat(x.object()).isEqualTo("Workspace prod");
                    assertThat(x.field()).isEqualTo("spec.enforcement");
                    assertThat(x.expected()).startsWith("expected enforce or audit, found ");
                });
    }

    @Test
    void a_misspelt_field_name_is_refused_with_a_hint() {
        assertThatThrownBy(() -> read(workspace("  enforcment: audit\n")))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("spec.enforcment").hasMessageContaining("did you mean enforcement?");
    }
}
