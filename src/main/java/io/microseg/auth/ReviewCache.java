package io.microseg.auth;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Answers of earlier reviews, so that an agent's every request does not cost the API server a TokenReview.
 * Keyed by the SHA-256 of the token (the token itself is never kept); at most {@code size} entries, the
 * least recently used evicted first; an entry is used only before its deadline, which the caller sets no
 * later than the token's own expiry, so an expired token is reviewed again (and refused) even if its
 * answer was cached.
 */
final class ReviewCache {
    private record Entry(Verdict verdict, Instant until) {}

    private final Clock clock;
    private final Map<String, Entry> entries;

    ReviewCache(Clock clock, int size) {
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > size;
            }
        };
    }

    /** The answer kept for this token hash, if its deadline has not passed. */
    synchronized Optional<Verdict> get(String key) {
        Entry e = entries.get(key);
        if (e == null) return Optional.empty();
        if (!clock.instant().isBefore(e.until())) {
            entries.remove(key);
            return Optional.empty();
        }
        return Optional.of(e.verdict());
    }

    /** Keeps the answer until {@code until}; an answer whose deadline has passed is not kept. */
    synchronized void put(String key, Verdict verdict, Instant until) {
        if (clock.instant().isBefore(until)) entries.put(key, new Entry(verdict, until));
        else entries.remove(key);
    }

    synchronized int size() {
        return entries.size();
    }
}
