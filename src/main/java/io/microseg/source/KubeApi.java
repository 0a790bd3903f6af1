package io.microseg.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.microseg.policy.PolicyReader;

import java.io.File;
import java.util.List;
import java.util.Map;

/**
 * What microseg reads from a Kubernetes API server and how it connects: the resources (the install's
 * ClusterRole grants list and watch on exactly {@link #READS}), the two custom resources' coordinates, the
 * client configuration, and how an API failure is told apart and described.
 */
public final class KubeApi {
    private KubeApi() {}

    // Our documents are Jackson 2 trees; fabric8 8 runs on Jackson 3. Plain maps and lists cross over.
    private static final ObjectMapper TREES = new ObjectMapper();

    /** The Workspace custom resource: {@code workspaces.microseg.io}, v1, cluster-scoped. */
    public static final ResourceDefinitionContext WORKSPACE_RESOURCE = new ResourceDefinitionContext.Builder()
            .withGroup("microseg.io")
            .withVersion("v1")
            .withKind(PolicyReader.KIND)
            .withPlural("workspaces")
            .withNamespaced(false)
            .build();

    /**
     * The ClusterNetworkPolicy custom resource of kubernetes-sigs/network-policy-api:
     * {@code clusternetworkpolicies.policy.networking.k8s.io}, v1alpha2, cluster-scoped.
     */
    public static final ResourceDefinitionContext CLUSTER_NETWORK_POLICY_RESOURCE = new ResourceDefinitionContext.Builder()
            .withGroup("policy.networking.k8s.io")
            .withVersion("v1alpha2")
            .withKind(io.microseg.netpol.CnpReader.KIND)
            .withPlural("clusternetworkpolicies")
            .withNamespaced(false)
            .build();

    static final ApiResource NODES = new ApiResource("", "nodes");
    static final ApiResource PODS = new ApiResource("", "pods");
    static final ApiResource SERVICES = new ApiResource("", "services");
    static final ApiResource ENDPOINT_SLICES = new ApiResource("discovery.k8s.io", "endpointslices");
    static final ApiResource NAMESPACES = new ApiResource("", "namespaces");
    static final ApiResource NETWORK_POLICIES = new ApiResource("networking.k8s.io", "networkpolicies");
    static final ApiResource CLUSTER_NETWORK_POLICIES =
            new ApiResource(CLUSTER_NETWORK_POLICY_RESOURCE.getGroup(), CLUSTER_NETWORK_POLICY_RESOURCE.getPlural());
    static final ApiResource WORKSPACES = new ApiResource(WORKSPACE_RESOURCE.getGroup(), WORKSPACE_RESOURCE.getPlural());

    /**
     * Every resource {@link KubernetesSource} lists and watches (Workspaces only when asked to), in all
     * namespaces; it never reads one object by name, nor writes. Its informers are started from these
     * constants, and the install's ClusterRole grants list and watch on exactly these.
     */
    public static final List<ApiResource> READS = List.of(NODES, PODS, SERVICES, ENDPOINT_SLICES, NAMESPACES, NETWORK_POLICIES,
            CLUSTER_NETWORK_POLICIES, WORKSPACES);

    /** The client for a kubeconfig context, or the in-cluster service account when {@code context} is null. */
    public static KubernetesClient connect(String context, String kubeconfigPath) {
        return new KubernetesClientBuilder().withConfig(config(context, kubeconfigPath)).build();
    }

    /** The client configuration {@link #connect} uses, for a caller that sets its own timeouts before building. */
    public static Config config(String context, String kubeconfigPath) {
        Config config;
        if (kubeconfigPath != null) {
            // The given file, at the given context (null: the file's current-context).
            config = Config.fromKubeconfig(context, new File(kubeconfigPath));
        } else {
            // The default kubeconfig ($KUBECONFIG, ~/.kube/config) at the given context; with a null context
            // and no kubeconfig, as inside a pod, the mounted service account token and the in-cluster API address.
            config = Config.autoConfigure(context);
        }
        return config;
    }

    /** The API server's answer in a failure: "HTTP 403: <its message>", or the failure itself. */
    static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getCode() > 0) {
                String message = k.getStatus() != null && k.getStatus().getMessage() != null ? k.getStatus().getMessage() : k.getMessage();
                return "HTTP " + k.getCode() + ": " + message;
            }
        }
        return failure.toString();
    }

    /** Whether an informer's start failed because the API server does not serve the resource at all (404). */
    static boolean notServed(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k) return k.getCode() == 404;
        }
        return false;
    }

    /** A custom resource as the Jackson tree our readers take (fabric8 8 runs on Jackson 3; plain maps cross over). */
    static JsonNode tree(KubernetesClient client, GenericKubernetesResource resource) {
        @SuppressWarnings("unchecked")
        Map<String, Object> plain = client.getKubernetesSerialization().convertValue(resource, Map.class);
        return TREES.valueToTree(plain);
    }
}
