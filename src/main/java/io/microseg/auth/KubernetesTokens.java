package io.microseg.auth;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.microseg.config.KubernetesAuth;
import io.microseg.source.KubeApi;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Bearer tokens the Kubernetes API server vouches for. Each new token is sent in a {@code TokenReview}
 * ({@code authentication.k8s.io/v1}, with the configured audience); what the server trusts is that answer:
 * <ul>
 *   <li>not {@code authenticated}, or not for the audience: 401;</li>
 *   <li>one of the agent service accounts: an agent, named by the node its token is bound to
 *       ({@code node/<cluster>/<node>}, the node from the {@value #NODE_NAME} extra that the API server puts
 *       in the answer for a pod-bound token); without that claim, 401;</li>
 *   <li>anyone else: an operator when a {@code SubjectAccessReview} ({@code authorization.k8s.io/v1}) for
 *       that user, its groups, uid and extra, on the configured resource, is allowed; otherwise 403.</li>
 * </ul>
 * The reviews are blocking HTTP calls: they run on the given executor (the server's worker threads), each
 * bounded by the configured timeout and never retried. When they fail (unreachable, too slow, an error
 * status) the answer is {@link Verdict.Unverifiable}: the request is refused, never let in.
 * <p>
 * Answers are cached by the SHA-256 of the token ({@link ReviewCache}): accepted ones for {@code cacheTTL},
 * refused ones for {@code deniedCacheTTL}, neither past the expiry the token claims; failures are not
 * cached. Concurrent requests with the same new token share one review, and at most
 * {@code maxPendingReviews} tokens are under review at once (beyond: 503), so that a flood of made-up
 * tokens costs the API server a bounded number of calls in flight.
 */
public final class KubernetesTokens implements AutoCloseable {
    /** The extra of a pod-bound service-account token that names the pod's node (Kubernetes 1.30+ by default). */
    static final String NODE_NAME = "authentication.kubernetes.io/node-name";
    private static final Pattern NODE = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    private final KubernetesAuth settings;
    private final KubernetesClient client;
    private final Executor executor;
    private final Clock clock;
    private final ReviewCache cache;
    private final ConcurrentHashMap<String, CompletableFuture<Verdict>> pending = new ConcurrentHashMap<>();

    /** Reviews with {@code client}, which {@link #close()} closes. */
    KubernetesTokens(KubernetesAuth settings, KubernetesClient client, Executor executor, Clock clock) {
        this.settings = settings;
        this.client = client;
        this.executor = executor;
        this.clock = clock;
        this.cache = new ReviewCache(clock, settings.cacheSize());
    }

    /** A client to the configured cluster's API server whose calls give up after the timeout and are not retried. */
    static KubernetesClient connect(KubernetesAuth settings) {
        Config config = KubeApi.config(settings.context().orElse(null), settings.kubeconfig().map(Path::toString).orElse(null));
        int millis = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
        config.setConnectionTimeout(millis);
        config.setRequestTimeout(millis);
        // a retry would hold the request (and a worker) for seconds of back-off past the timeout
        config.setRequestRetryBackoffLimit(0);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** The verdict on a token; completes at once from the cache, else on the executor after the reviews. */
    CompletionStage<Verdict> authenticate(String token) {
        String key = HexFormat.of().formatHex(StaticTokens.sha256(token));
        Optional<Verdict> known = cache.get(key);
        if (known.isPresent()) return CompletableFuture.completedFuture(known.get());
        CompletableFuture<Verdict> mine = new CompletableFuture<>();
        CompletableFuture<Verdict> running = pending.putIfAbsent(key, mine);
        if (running != null) return running;
        if (pending.size() > settings.maxPendingReviews()) {
            pending.remove(key, mine);
            return CompletableFuture.completedFuture(new Verdict.Unverifiable(
                    "the token could not be verified: too many tokens are waiting for the Kubernetes API; try again",
                    "more than maxPendingReviews (" + settings.maxPendingReviews() + ") tokens under review at once"));
        }
        Optional<Instant> expiry = TokenExpiry.of(token);
        CompletableFuture<Verdict> review;
        try {
            review = CompletableFuture.supplyAsync(() -> review(token), executor);
        } catch (RejectedExecutionException e) {
            review = CompletableFuture.completedFuture(unverifiable("the review could not be started: " + e.getMessage()));
        }
        // each call is bounded by the client's timeout; this bounds both together, whatever the client does
        review.orTimeout(settings.timeout().toMillis() * 2 + 1000, TimeUnit.MILLISECONDS)
                .exceptionally(e -> unverifiable("no answer: " + e))
                .thenAccept(v -> {
                    remember(key, v, expiry);
                    pending.remove(key, mine);
                    mine.complete(v);
                });
        return mine;
    }

    private void remember(String key, Verdict verdict, Optional<Instant> expiry) {
        // a failure to verify is not an answer about the token: the next request asks again
        if (verdict instanceof Verdict.Unverifiable) return;
        Duration ttl = verdict instanceof Verdict.Accepted ? settings.cacheTTL() : settings.deniedCacheTTL();
        Instant until = clock.instant().plus(ttl);
        if (expiry.isPresent() && expiry.get().isBefore(until)) until = expiry.get();
        cache.put(key, verdict, until);
    }

    /** Blocking: the TokenReview, and for a user that is not an agent the SubjectAccessReview. */
    private Verdict review(String token) {
        TokenReview answer;
        try {
            answer = client.authentication().v1().tokenReviews().create(new TokenReviewBuilder()
                    .withNewSpec().withToken(token).withAudiences(settings.audience()).endSpec().build());
        } catch (KubernetesClientException e) {
            return unverifiable("TokenReview failed: " + failure(e));
        }
        TokenReviewStatus status = answer == null ? null : answer.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
            String why = status == null || status.getError() == null || status.getError().isBlank() ? "" : ": " + printable(status.getError());
            return Verdict.Refused.unauthenticated("the Kubernetes API did not authenticate the token" + why);
        }
        if (status.getAudiences() == null || !status.getAudiences().contains(settings.audience())) {
            return Verdict.Refused.unauthenticated("the token is not for audience " + settings.audience());
        }
        UserInfo user = status.getUser();
        String name = user == null ? null : user.getUsername();
        if (name == null || name.isBlank()) return Verdict.Refused.unauthenticated("the Kubernetes API named no user for the token");
        if (settings.agentServiceAccounts().contains(name)) return agent(user);
        return operator(user);
    }

    private Verdict agent(UserInfo user) {
        List<String> nodes = user.getExtra() == null ? null : user.getExtra().get(NODE_NAME);
        if (nodes == null || nodes.size() != 1 || nodes.get(0) == null || !NODE.matcher(nodes.get(0)).matches()) {
            return Verdict.Refused.unauthenticated(user.getUsername() + " is an agent service account, but its token is not bound to one node "
                    + "(no " + NODE_NAME + " claim): use a projected service-account token of the agent's pod");
        }
        return new Verdict.Accepted(Principal.agent("node/" + settings.cluster() + "/" + nodes.get(0)));
    }

    private Verdict operator(UserInfo user) {
        KubernetesAuth.OperatorAccess access = settings.operatorAccess();
        String what = access.verb() + " " + access.resource() + (access.group().isEmpty() ? "" : "." + access.group());
        if (!access.enabled()) {
            return Verdict.Refused.forbidden(user.getUsername() + " is not an agent service account, and operators are not recognised "
                    + "through Kubernetes RBAC here");
        }
        SubjectAccessReview answer;
        try {
            answer = client.authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withUser(user.getUsername()).withGroups(user.getGroups()).withUid(user.getUid()).withExtra(user.getExtra())
                    .withNewResourceAttributes().withGroup(access.group()).withResource(access.resource()).withVerb(access.verb())
                    .endResourceAttributes()
                    .endSpec().build());
        } catch (KubernetesClientException e) {
            return unverifiable("SubjectAccessReview failed: " + failure(e));
        }
        var status = answer == null ? null : answer.getStatus();
        if (status != null && Boolean.TRUE.equals(status.getAllowed()) && !Boolean.TRUE.equals(status.getDenied())) {
            return new Verdict.Accepted(Principal.operator(user.getUsername()));
        }
        return Verdict.Refused.forbidden(user.getUsername() + " is neither an agent nor allowed to " + what
                + " by Kubernetes RBAC, which operators need");
    }

    private static Verdict.Unverifiable unverifiable(String detail) {
        return new Verdict.Unverifiable("the token could not be verified: the Kubernetes API did not answer the review; "
                + "nothing is let in until it does", detail);
    }

    private static String failure(KubernetesClientException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return (e.getCode() > 0 ? "HTTP " + e.getCode() + " " : "") + printable(e.getMessage())
                + (root == e ? "" : " (" + root.getClass().getSimpleName() + ": " + printable(root.getMessage()) + ")");
    }

    /** Text from elsewhere in a message or log line: printable ASCII, at most 200 characters. */
    private static String printable(String text) {
        if (text == null) return "";
        String t = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** Answers kept now (tests). */
    int cached() {
        return cache.size();
    }

    @Override
    public void close() {
        client.close();
    }
}
