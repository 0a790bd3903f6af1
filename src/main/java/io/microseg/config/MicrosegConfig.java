package io.microseg.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which sources the engine reads, as {@code config/microseg.yaml} says (read by {@link MicrosegConfigReader}):
 * watched folders of inventory manifests, Kubernetes clusters read live, and watched folders of
 * Workspace documents. Relative paths are resolved against the current directory when read.
 */
public record MicrosegConfig(InventorySources inventory, PolicySources policies) {
    public static final Path DEFAULT_FILE = Path.of("config/microseg.yaml");

    public MicrosegConfig {
        Objects.requireNonNull(inventory, "inventory");
        Objects.requireNonNull(policies, "policies");
    }

    /** Folders only: what {@code --inventory} and {@code --policies} on the command line give. */
    public static MicrosegConfig ofFolders(List<Path> inventoryFolders, List<Path> policyFolders) {
        return new MicrosegConfig(new InventorySources(inventoryFolders, List.of()), new PolicySources(policyFolders));
    }

    public MicrosegConfig withInventoryFolders(List<Path> folders) {
        return new MicrosegConfig(new InventorySources(folders, inventory.kubernetes()), policies);
    }

    public MicrosegConfig withPolicyFolders(List<Path> folders) {
        return new MicrosegConfig(inventory, new PolicySources(folders));
    }

    /** {@code inventory:} watched folders of manifests, and clusters read live. */
    public record InventorySources(List<Path> folders, List<KubernetesCluster> kubernetes) {
        public InventorySources {
            folders = List.copyOf(folders);
            kubernetes = List.copyOf(kubernetes);
        }
    }

    /**
     * One cluster read live with informers.
     *
     * @param cluster    its name in microseg ({@code orchestrator_system/cluster_name})
     * @param context    the kubeconfig context; empty: the in-cluster service account
     * @param kubeconfig the kubeconfig file; empty: {@code $KUBECONFIG} or {@code ~/.kube/config}
     * @param workspaces whether microseg.io/v1 Workspace custom resources are read too
     */
    public record KubernetesCluster(String cluster, Optional<String> context, Optional<Path> kubeconfig, boolean workspaces) {
        public KubernetesCluster {
            Objects.requireNonNull(cluster, "cluster");
            Objects.requireNonNull(context, "context");
            Objects.requireNonNull(kubeconfig, "kubeconfig");
        }
    }

    /** {@code policies:} watched folders of Workspace documents. */
    public record PolicySources(List<Path> folders) {
        public PolicySources {
            folders = List.copyOf(folders);
        }
    }
}
