package io.microseg.engine;

import io.microseg.inventory.Host;
import io.microseg.inventory.Labels;
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

    @Test
    void whenTwoSourcesDeliverAnObjectOfOneKeyTheSourceThatSortsFirstWinsWhateverTheArrivalOrder() {
        Host first = new Host("h1", Labels.EMPTY, List.of("192.168.0.1"));
        Host second = new Host("h1", Labels.EMPTY, List.of("192.168.0.2"));
        state.apply(new Change.Put("other", first));
        state.drain();
        state.apply(new Change.Put("src", second)); // later, but "src" sorts after "other"

        assertThat(state.drain().objects()).as("the object in force is unchanged").isEmpty();
        assertThat(state.objects()).containsExactly(first);

        state.apply(new Change.Remove("other", first.key()));
        assertThat(state.drain().objects()).containsExactly(Map.entry(first, second));
        assertThat(state.objects()).containsExactly(second);
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
