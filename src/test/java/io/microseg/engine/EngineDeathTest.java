package io.microseg.engine;

import io.microseg.compile.RuleBase;
import io.microseg.inventory.Host;
import io.microseg.inventory.Labels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineDeathTest {
    private static boolean stopsWithin(Engine engine, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (engine.isRunning() && System.currentTimeMillis() < deadline) Thread.sleep(10);
        return !engine.isRunning();
    }

    @Test
    void anErrorThatKillsTheEngineThreadFailsEveryWaiterInsteadOfLeavingItHanging() throws InterruptedException {
        try (Engine engine = new Engine(RuleBase.packaged())) {
            engine.subscribe(changes -> {
                throw new AssertionError("a subscriber's bug");
            });
            engine.start();
            engine.submit(new Change.Put("file", new Host("db", Labels.EMPTY, List.of("10.0.0.9"))));
            CompletableFuture<Long> pending = engine.sync();

            assertThatThrownBy(() -> pending.get(30, TimeUnit.SECONDS)).hasRootCauseMessage("a subscriber's bug");
            assertThatThrownBy(() -> engine.sync().orTimeout(30, TimeUnit.SECONDS).join())
                    .isInstanceOf(CompletionException.class).hasMessageContaining("the engine thread died");
            assertThatThrownBy(engine::snapshot).hasMessageContaining("the engine thread died");
            assertThat(stopsWithin(engine, 30_000)).as("the thread ends after failing its waiters").isTrue();
        }
    }
}
