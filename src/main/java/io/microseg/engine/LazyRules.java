package io.microseg.engine;

import io.microseg.compile.CompilationAssembler;
import io.microseg.controlplane.CompiledRule;
import io.microseg.facts.FirewallRule;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * The rules of a first change set (every rule held), made into {@link CompiledRule}s only when a
 * subscriber reads them, from a frozen copy of the facts: a million and a half of them, which the
 * usual first reader, a feed that starts from a later snapshot, never reads. Immutable;
 * safe to read from any thread (made once, under a lock).
 */
final class LazyRules extends AbstractList<CompiledRule> implements RandomAccess {
    private final Map<String, FirewallRule[]> facts;
    private final CompilationAssembler assembler;
    private List<CompiledRule> made;

    LazyRules(Map<String, FirewallRule[]> facts, CompilationAssembler assembler) {
        this.facts = facts;
        this.assembler = assembler;
    }

    private synchronized List<CompiledRule> made() {
        if (made == null) {
            List<CompiledRule> rules = new ArrayList<>();
            facts.values().forEach(fs -> CompilationAssembler.forEachRule(fs, (id, f) -> rules.add(assembler.toRule(id, f))));
            made = List.copyOf(rules);
        }
        return made;
    }

    @Override
    public boolean isEmpty() {
        return facts.isEmpty();
    }

    @Override
    public CompiledRule get(int index) {
        return made().get(index);
    }

    @Override
    public int size() {
        return made().size();
    }
}
