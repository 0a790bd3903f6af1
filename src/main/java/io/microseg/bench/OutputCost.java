package io.microseg.bench;

import io.microseg.compile.CompilationJson;
import io.microseg.controlplane.Codec;
import io.microseg.engine.Snapshot;
import io.microseg.feed.FeedStore;

import java.io.Writer;

/**
 * The cost of the compiled result's two outputs, measured apart from the compile: the compile JSON
 * ({@code compile}'s output) written to a writer that only counts, and every agent's snapshot as the
 * feed serves it (the feed initialized from the engine's snapshot, each agent's snapshot encoded as
 * its watch-stream line). The compile divided by either says how close the compile is to the cost of
 * merely writing what it produced.
 */
final class OutputCost {
    private OutputCost() {}

    static BenchReport.Output of(Snapshot snapshot) {
        long t = System.nanoTime();
        CountingWriter json = new CountingWriter();
        CompilationJson.write(snapshot.compilation(), json);
        long jsonMillis = (System.nanoTime() - t) / 1_000_000;

        t = System.nanoTime();
        FeedStore feed = new FeedStore(0);
        feed.initialize(snapshot);
        long bytes = 0;
        int agents = 0;
        for (String agent : feed.agents()) {
            bytes += Codec.line(feed.snapshot(agent), "bench").length;
            agents++;
        }
        long feedMillis = (System.nanoTime() - t) / 1_000_000;
        return new BenchReport.Output(jsonMillis, json.chars, feedMillis, bytes, agents);
    }

    /** Counts what is written and keeps nothing. */
    private static final class CountingWriter extends Writer {
        long chars;

        @Override
        public void write(char[] buffer, int offset, int length) {
            chars += length;
        }

        @Override
        public void write(String s, int offset, int length) {
            chars += length;
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
