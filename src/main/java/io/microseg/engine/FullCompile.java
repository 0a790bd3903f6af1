package io.microseg.engine;

import io.microseg.compile.Compilation;
import io.microseg.compile.RuleBase;
import io.microseg.inventory.InventoryObject;
import io.microseg.policy.Workspace;
import org.kie.api.event.rule.DefaultAgendaEventListener;

import java.util.Collection;
import java.util.List;

/**
 * A full compile is the first batch of a live engine starting from empty: the workspaces, then every
 * object, from one source, through the same {@link SourceState}, projection, session, group expansion
 * and assembly that serve agents. {@code compile}, {@code explain}, {@code trace}, {@code render} and
 * the scenarios use it, so what they show is what the server sends.
 *
 * <p>Runs on the calling thread; no engine thread is started and no change set is published.
 */
public final class FullCompile {
    private static final String SOURCE = "compile";

    private FullCompile() {}

    /**
     * The rules, sets and warnings of these objects (as read, unassembled: the engine merges hosts into
     * nodes and resolves endpoints itself) under these workspaces. Workspace names must be distinct.
     */
    public static Compilation of(RuleBase rules, Collection<? extends InventoryObject> objects, List<Workspace> workspaces) {
        SourceState state = new SourceState();
        // Workspaces first, as serve loads them: the selection index then groups the inventory once.
        state.apply(new Change.Workspaces(SOURCE, workspaces));
        state.apply(new Change.Replace(SOURCE, List.copyOf(objects)));
        try (IncrementalCompiler compiler = new IncrementalCompiler(rules, new DefaultAgendaEventListener())) {
            return compiler.compileFromEmpty(state.drain());
        }
    }
}
