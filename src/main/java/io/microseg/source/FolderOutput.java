package io.microseg.source;

import io.microseg.engine.Change;
import io.microseg.input.InputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where watched folders deliver: the changes to the sink, the problems to the log (one line each) and
 * to the problem listener. Nothing reaches the sink once {@link #close()} was called; a sink or a
 * listener that throws is logged and does not stop the caller.
 */
final class FolderOutput {
    private static final Logger LOG = LoggerFactory.getLogger(FolderSource.class);

    private final Consumer<Change> sink;
    private final Consumer<InputException> problems;
    private volatile boolean closed;

    FolderOutput(Consumer<Change> sink, Consumer<InputException> problems) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.problems = Objects.requireNonNull(problems, "problems");
    }

    void emit(Change change) {
        if (closed) return;
        try {
            sink.accept(change);
        } catch (RuntimeException e) {
            LOG.error("delivering {} from {} failed: {}", change.getClass().getSimpleName(), change.source(), e.toString(), e);
        }
    }

    /** Reports a problem and what stays in force because of it ({@code keeping}). */
    void problem(InputException e, String keeping) {
        // One line per problem: YAML parser messages quote the source over several lines.
        LOG.error("{} ({})", e.getMessage().replaceAll("\\s*\\R\\s*", " ").trim(), keeping);
        try {
            problems.accept(e);
        } catch (RuntimeException listenerFailure) {
            LOG.error("problem listener failed: {}", listenerFailure.toString(), listenerFailure);
        }
    }

    boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
    }
}
