package io.microseg.auth;

import java.util.concurrent.CompletionStage;

/**
 * What the server asks about every {@code /v1} request: who sends this {@code Authorization} header? The
 * answer may need a blocking call (a Kubernetes TokenReview), so it is a stage: an implementation completes
 * it at once when it can answer without I/O (a static token, a cached review) and otherwise on a worker
 * thread, never on the caller's. It never completes exceptionally: a failure to verify is a
 * {@link Verdict.Unverifiable}.
 */
public interface Authenticator extends AutoCloseable {
    CompletionStage<Verdict> authenticate(String authorization);

    /** Releases clients and threads; the default has none. */
    @Override
    default void close() {}
}
