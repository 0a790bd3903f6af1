package io.microseg.engine;

import io.microseg.policy.Action;
import io.microseg.policy.Workspace;
import io.microseg.policy.query.Query;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SourceStateTest {
    private final SourceState state = new SourceState();

    @Test
    void whenTwoSourcesDefineAWorkspaceTheSourceThatSortsFirstWinsWhateverTheArrivalOrder() {
        state.apply(new Change.Workspaces("file:b.yaml", List.of(workspace("demo", Action.ALLOW))));
        state.apply(new Change.Workspaces("file:a.yaml", List.of(workspace("demo", Action.DENY))));

        assertThat(catchAllOf(state.drain())).isEqualTo(Action.DENY);
        assertThat(state.workspaces()).extracting(Workspace::catchAllIngress).containsExactly(Action.DENY);
    }

    @Test
    void whenTheWinningSourceWithdrawsItsWorkspaceTheOtherDefinitionTakesOver() {
        state.apply(new Change.Workspaces("file:a.yaml", List.of(workspace("demo", Action.DENY))));
        state.apply(new Change.Workspaces("file:b.yaml", List.of(workspace("demo", Action.ALLOW))));
        state.drain();

        state.apply(new Change.Workspaces("file:a.yaml", List.of()));

        assertThat(catchAllOf(state.drain())).isEqualTo(Action.ALLOW);
        state.apply(new Change.Workspaces("file:b.yaml", List.of()));
        SourceState.Changes gone = state.drain();
        assertThat(gone.workspaces()).hasSize(1);
        assertThat(gone.workspaces().get(0).getValue()).isNull();
        assertThat(state.workspaces()).isEmpty();
    }

    private static Action catchAllOf(SourceState.Changes changes) {
        assertThat(changes.workspaces()).hasSize(1);
        Map.Entry<Workspace, Workspace> change = changes.workspaces().get(0);
        return change.getValue().catchAllIngress();
    }

    private static Workspace workspace(String name, Action catchAll) {
        return new Workspace(name, Query.parse("environment = production"), catchAll, catchAll, List.of(), name + ".yaml");
    }
}
