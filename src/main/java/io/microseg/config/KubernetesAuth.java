package io.microseg.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code server.auth.kubernetes:} tokens that the Kubernetes API server vouches for (docs/security.md).
 *
 * @param enabled              whether bearer tokens the static tokens do not know are sent to a TokenReview
 * @param cluster              the cluster's name in node identities: an agent's token bound to node N is
 *                             {@code node/<cluster>/N}
 * @param audience             the audience the tokens must be issued for (the agents' projected token)
 * @param agentServiceAccounts users ({@code system:serviceaccount:<namespace>:<name>}) whose node-bound tokens
 *                             identify agents
 * @param operatorAccess       which other users are operators: those Kubernetes RBAC allows this access
 * @param cacheTTL             how long an accepted token's answer is kept (never past the token's expiry)
 * @param deniedCacheTTL       how long a refused token's answer is kept
 * @param cacheSize            answers kept at most; the least recently used goes first
 * @param maxPendingReviews    tokens being reviewed at once at most; beyond, a new token gets 503
 * @param timeout              each call to the API server (TokenReview, SubjectAccessReview) gives up after this
 * @param context              kubeconfig context; empty (and no kubeconfig): the in-cluster service account
 * @param kubeconfig           kubeconfig file; empty: {@code $KUBECONFIG} or {@code ~/.kube/config} when a
 *                             context is named
 */
public record KubernetesAuth(boolean enabled, String cluster, String audience, List<String> agentServiceAccounts,
                             OperatorAccess operatorAccess, Duration cacheTTL, Duration deniedCacheTTL, int cacheSize,
                             int maxPendingReviews, Duration timeout, Optional<String> context, Optional<Path> kubeconfig) {
    public static final String DEFAULT_AUDIENCE = "microseg";
    public static final List<String> DEFAULT_AGENT_SERVICE_ACCOUNTS = List.of("system:serviceaccount:microseg:microseg-agent");
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_DENIED_CACHE_TTL = Duration.ofSeconds(5);
    public static final int DEFAULT_CACHE_SIZE = 10_000;
    public static final int DEFAULT_MAX_PENDING_REVIEWS = 64;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final KubernetesAuth OFF = new KubernetesAuth(false, "", DEFAULT_AUDIENCE, DEFAULT_AGENT_SERVICE_ACCOUNTS,
            OperatorAccess.DEFAULT, DEFAULT_CACHE_TTL, DEFAULT_DENIED_CACHE_TTL, DEFAULT_CACHE_SIZE, DEFAULT_MAX_PENDING_REVIEWS,
            DEFAULT_TIMEOUT, Optional.empty(), Optional.empty());

    public KubernetesAuth {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(operatorAccess, "operatorAccess");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(kubeconfig, "kubeconfig");
        agentServiceAccounts = List.copyOf(agentServiceAccounts);
        positive("cacheTTL", cacheTTL);
        positive("deniedCacheTTL", deniedCacheTTL);
        positive("timeout", timeout);
        if (cacheSize <= 0) throw new IllegalArgumentException("cacheSize must be positive");
        if (maxPendingReviews <= 0) throw new IllegalArgumentException("maxPendingReviews must be positive");
        if (enabled && (cluster.isBlank() || cluster.contains("/"))) {
            throw new IllegalArgumentException("cluster must be a name without '/', found \"" + cluster + "\"");
        }
        if (enabled && audience.isBlank()) throw new IllegalArgumentException("audience must not be blank");
        if (enabled && agentServiceAccounts.isEmpty()) throw new IllegalArgumentException("agentServiceAccounts must not be empty");
    }

    /** This configuration with other cache lifetimes and size. */
    public KubernetesAuth withCache(Duration ttl, Duration deniedTtl, int size) {
        return new KubernetesAuth(enabled, cluster, audience, agentServiceAccounts, operatorAccess, ttl, deniedTtl, size,
                maxPendingReviews, timeout, context, kubeconfig);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
    }

    /**
     * {@code operatorAccess:} a user that is not an agent service account is an operator when a
     * SubjectAccessReview says it may {@code verb} the {@code resource} of API group {@code group}.
     */
    public record OperatorAccess(boolean enabled, String group, String resource, String verb) {
        public static final OperatorAccess DEFAULT = new OperatorAccess(true, "microseg.io", "rules", "get");

        public OperatorAccess {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(resource, "resource");
            Objects.requireNonNull(verb, "verb");
            if (enabled && (resource.isBlank() || verb.isBlank())) throw new IllegalArgumentException("resource and verb must not be blank");
        }
    }
}
