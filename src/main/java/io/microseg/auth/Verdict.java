package io.microseg.auth;

/**
 * The answer to a request's credentials: let in as a principal, refused (401: not authenticated, 403:
 * authenticated but not allowed), or not verifiable now (503: the Kubernetes API could not be asked). Only
 * {@link Accepted} lets a request in; every other answer, including a failure to ask, keeps it out.
 */
public sealed interface Verdict {
    /** The HTTP status to answer a request that is not let in; 200 for an accepted one. */
    int status();

    /** Let in as {@code principal}. */
    record Accepted(Principal principal) implements Verdict {
        @Override
        public int status() {
            return 200;
        }
    }

    /** Refused: {@code status} is 401 (who you are is not known) or 403 (known, not allowed); {@code message} says why. */
    record Refused(int status, String message) implements Verdict {
        public Refused {
            if (status != 401 && status != 403) throw new IllegalArgumentException("a refusal is 401 or 403, not " + status);
        }

        static Refused unauthenticated(String message) {
            return new Refused(401, message);
        }

        static Refused forbidden(String message) {
            return new Refused(403, message);
        }
    }

    /**
     * The token could not be verified (the API server unreachable, too slow, or refusing the review): 503,
     * and the request stays out. {@code detail} is for the server's log, {@code message} for the client.
     */
    record Unverifiable(String message, String detail) implements Verdict {
        @Override
        public int status() {
            return 503;
        }
    }
}
