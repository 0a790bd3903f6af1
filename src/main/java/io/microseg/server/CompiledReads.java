package io.microseg.server;

import io.microseg.compile.Compilation;
import io.microseg.engine.Inputs;
import io.microseg.explain.ClusterSafety;
import io.microseg.explain.Trace;
import io.microseg.facts.Warning;
import java.util.List;

import io.microseg.controlplane.AddressSet;
import io.microseg.controlplane.CompiledRule;
import io.microseg.engine.Engine;
import io.microseg.engine.Snapshot;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The whole compiled state for the operators' endpoints (workloads, explain, warnings): the engine's
 * snapshot, with rules and sets indexed by id, kept until the engine's version moves on. Reading a new
 * one waits for the engine, so callers run it off the event loop.
 */
final class CompiledReads {
    /** A snapshot and its indexes. */
    record Reads(Snapshot snapshot, Inputs inputs, java.util.function.Supplier<Map<String, CompiledRule>> rulesById,
                 Map<String, AddressSet> sets, java.util.function.Supplier<List<Warning>> warnings) {
        /** Every rule by id: made (every rule of the cluster) the first time a rule is asked for by id, then kept with this state. */
        Map<String, CompiledRule> rules() {
            return rulesById.get();
        }

        boolean knows(String workload) {
            return snapshot.placements().containsKey(workload) || !snapshot.compilation().rulesOf(workload).isEmpty();
        }

        /** The compile's warnings and the cluster-safety analysis of the same state. */
        List<Warning> allWarnings() {
            return warnings.get();
        }

        Trace tracer() {
            return Trace.of(snapshot.compilation(), inputs.inventory(), inputs.workspaces());
        }
    }

    private final Engine engine;
    private volatile Reads cached;

    CompiledReads(Engine engine) {
        this.engine = engine;
    }

    /** The current state: the cached one while the engine's version has not moved. Blocks on the engine otherwise. */
    Reads current() {
        Reads c = cached;
        if (c != null && c.snapshot().version() == engine.version()) return c;
        Snapshot s = engine.snapshot();
        Inputs inputs = engine.inputs();
        Compilation compilation = s.compilation();
        java.util.function.Supplier<List<Warning>> warnings = memoize(() -> compilation.withWarnings(
                ClusterSafety.warnings(compilation, inputs.inventory(), inputs.workspaces())).warnings());
        Reads fresh = new Reads(s, inputs,
                memoize(() -> compilation.rules().stream().collect(Collectors.toMap(CompiledRule::id, Function.identity(), (a, b) -> a, LinkedHashMap::new))),
                s.compilation().sets().stream().collect(Collectors.toMap(AddressSet::id, Function.identity(), (a, b) -> a, LinkedHashMap::new)),
                warnings);
        cached = fresh;
        return fresh;
    }

    private static <T> java.util.function.Supplier<T> memoize(java.util.function.Supplier<T> compute) {
        return new java.util.function.Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) value = compute.get();
                return value;
            }
        };
    }
}
