package io.microseg.install;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The test's kustomize reader renders what it understands and refuses, by name, what it does not. */
class KustomizationTest {
    @TempDir
    Path dir;

    private Path base() throws IOException {
        Path base = Files.createDirectories(dir.resolve("base"));
        Files.writeString(base.resolve("sa.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n---\n"
                + "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: []\n");
        Files.writeString(base.resolve("app.conf"), "x: 1\n");
        return base;
    }

    private void kustomization(Path folder, String text) throws IOException {
        Files.writeString(folder.resolve("kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + text);
    }

    @Test
    void rendersResourcesGeneratorsNestedFoldersAndTheNamespace() throws IOException {
        Path base = base();
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("data.txt"), "hello");
        kustomization(other, "configMapGenerator:\n  - name: plain\n    options: {disableNameSuffixHash: true}\n    files: [k=data.txt]\n");
        kustomization(base, "namespace: ns\nresources: [sa.yaml, ../other]\nconfigMapGenerator:\n  - name: conf\n    files: [app.conf]\n");

        Kustomization.Rendered r = Kustomization.render(base);
        assertThat(r.objects()).extracting(Kustomization::id)
                .containsExactlyInAnyOrder("ServiceAccount ns/a", "ClusterRole r", "ConfigMap ns/plain", "ConfigMap ns/conf");
        assertThat(r.hashedNames()).containsExactly("conf");
        assertThat(r.objects()).filteredOn(o -> Kustomization.id(o).equals("ConfigMap ns/plain"))
                .singleElement().satisfies(o -> assertThat(o.get("data")).isEqualTo(Map.of("k", "hello")));
    }

    @Test
    void refusesWhatItDoesNotUnderstand() throws IOException {
        Path base = base();
        kustomization(base, "resources: [sa.yaml]\ncommonLabels: {a: b}\n");
        assertThatThrownBy(() -> Kustomization.render(base)).hasMessageContaining("field commonLabels is not understood");

        kustomization(base, "configMapGenerator:\n  - name: c\n    literals: [a=b]\n");
        assertThatThrownBy(() -> Kustomization.render(base)).hasMessageContaining("configMapGenerator field literals is not understood");

        Files.writeString(base.resolve("job.yaml"), "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n");
        kustomization(base, "namespace: ns\nresources: [job.yaml]\n");
        assertThatThrownBy(() -> Kustomization.render(base)).hasMessageContaining("does not know whether a Job is namespaced");

        kustomization(base, "resources: [sa.yaml, sa.yaml]\n");
        assertThatThrownBy(() -> Kustomization.render(base)).hasMessageContaining("ServiceAccount a twice");
    }

    @Test
    void refusesFilesOutsideTheFolderAsKustomizeDoes() throws IOException {
        Path base = base();
        Files.writeString(dir.resolve("outside.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: o}\n");
        kustomization(base, "resources: [../outside.yaml]\n");
        assertThatThrownBy(() -> Kustomization.render(base)).hasMessageContaining("is outside").hasMessageContaining("kustomize refuses");

        kustomization(base, "configMapGenerator:\n  - name: c\n    files: [../outside.yaml]\n");
        assertThatThrownBy(() -> Kustomization.render(base)).hasMessageContaining("is outside");
    }
}
