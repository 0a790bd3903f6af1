package io.microseg.enforce.netns;

import io.microseg.enforce.netns.NetnsResolver.Resolution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PodNetnsTest {
    /** A resolver whose answers the test sets; it records every call. */
    static final class Scripted implements NetnsResolver {
        final Map<String, Resolution> answers = new HashMap<>();
        final Set<NetnsRef> gone = new java.util.HashSet<>();
        final List<Set<String>> calls = new ArrayList<>();

        @Override
        public NetnsRef own(String agent) {
            return NetnsRef.OWN;
        }

        @Override
        public Map<String, Resolution> resolve(Map<String, List<String>> pods) {
            calls.add(Set.copyOf(pods.keySet()));
            Map<String, Resolution> out = new TreeMap<>();
            pods.keySet().forEach(p -> out.put(p, answers.getOrDefault(p, new Resolution.Pending("nowhere"))));
            return out;
        }

        @Override
        public boolean stillThere(NetnsRef ref) {
            return !gone.contains(ref);
        }

        @Override
        public List<NetnsRef> reachable() {
            return List.of();
        }
    }

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final Scripted resolver = new Scripted();
    private final PodNetns pods = new PodNetns(resolver, new PodNetns.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(4)), now::get,
            new PrintStream(log, true, StandardCharsets.UTF_8));

    private void advance(long millis) {
        now.addAndGet(millis * 1_000_000L);
    }

    @Test
    void aPendingPodIsRetriedWithDoublingDelaysUpToTheLongestAndFoundPodsAreNotResolvedAgain() {
        NetnsRef a = new NetnsRef.ByPath(Path.of("/run/netns/a"), 7);
        resolver.answers.put("pod/k/ns/a", new Resolution.Found(a));
        Map<String, List<String>> view = Map.of("pod/k/ns/a", List.of("10.0.0.1"), "pod/k/ns/b", List.of("10.0.0.2"));
        assertThat(pods.lookup(view)).containsEntry("pod/k/ns/a", new Resolution.Found(a))
                .containsEntry("pod/k/ns/b", new Resolution.Pending("nowhere"));
        assertThat(resolver.calls).containsExactly(Set.of("pod/k/ns/a", "pod/k/ns/b"));

        // due after 1 s, then 2 s, then 4 s, then 4 s (the longest)
        long[] delays = {1000, 2000, 4000, 4000};
        for (long d : delays) {
            advance(d - 1);
            assertThat(pods.retryDue()).as("not yet, %d ms", d - 1).isFalse();
            int before = resolver.calls.size();
            pods.lookup(view);
            assertThat(resolver.calls).as("nothing resolved before the retry is due").hasSize(before);
            advance(1);
            assertThat(pods.retryDue()).as("due after %d ms", d).isTrue();
            pods.lookup(view);
            assertThat(resolver.calls).hasSize(before + 1);
            assertThat(resolver.calls.get(before)).as("only the pending pod is resolved again").containsExactly("pod/k/ns/b");
        }
        assertThat(log.toString(StandardCharsets.UTF_8).split("pod/k/ns/b: network namespace not found", -1))
                .as("the same reason is logged once").hasSize(2);

        // it is found: no more retries; its namespace disappears: due at once, and resolved again
        NetnsRef b = new NetnsRef.ByPath(Path.of("/proc/42/ns/net"), 9);
        resolver.answers.put("pod/k/ns/b", new Resolution.Found(b));
        advance(4000);
        assertThat(pods.lookup(view)).containsEntry("pod/k/ns/b", new Resolution.Found(b));
        advance(60_000);
        assertThat(pods.retryDue()).isFalse();
        resolver.gone.add(b);
        assertThat(pods.retryDue()).as("a namespace applied into is gone").isTrue();
        int before = resolver.calls.size();
        resolver.answers.put("pod/k/ns/b", new Resolution.Pending("no network namespace holds 10.0.0.2"));
        assertThat(pods.lookup(view)).containsEntry("pod/k/ns/b", new Resolution.Pending("no network namespace holds 10.0.0.2"));
        assertThat(resolver.calls.get(before)).containsExactly("pod/k/ns/b");
        assertThat(pods.retryDue()).isFalse();
    }

    @Test
    void changedAddressesAreResolvedAtOnceAndPodsThatLeftAreForgotten() {
        Map<String, List<String>> first = Map.of("pod/k/ns/b", List.of("10.0.0.2"));
        pods.lookup(first);
        pods.lookup(Map.of("pod/k/ns/b", List.of("10.0.0.3")));
        assertThat(resolver.calls).as("new addresses: resolved again before the retry").hasSize(2);
        pods.lookup(Map.of());
        advance(10_000);
        assertThat(pods.retryDue()).as("a pod that left is not retried").isFalse();
        pods.lookup(first);
        assertThat(resolver.calls).as("it came back: resolved at once").hasSize(3);
    }

    @Test
    void backoffSettingsAreChecked() {
        assertThat(PodNetns.Backoff.DEFAULT).isEqualTo(new PodNetns.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        assertThatThrownBy(() -> new PodNetns.Backoff(Duration.ZERO, Duration.ofSeconds(1))).hasMessageContaining("positive");
        assertThatThrownBy(() -> new PodNetns.Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).hasMessageContaining("at least");
    }

    @Test
    void theMappingFileMapsNamesAndPathsAndNamesTheBadEntry(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("netns.yaml"), "node/k/n: ns-node\npod/k/ns/a: ns-a\npod/k/ns/b: /proc/12/ns/net\n");
        MappingFile map = new MappingFile(file);
        assertThat(map.own("node/k/n")).isEqualTo(new NetnsRef.Named("ns-node"));
        assertThat(map.own("node/k/other")).isEqualTo(NetnsRef.OWN);
        assertThat(map.resolve(Map.of("pod/k/ns/a", List.of(), "pod/k/ns/b", List.of(), "pod/k/ns/c", List.of())))
                .containsEntry("pod/k/ns/a", new Resolution.Found(new NetnsRef.Named("ns-a")))
                .containsEntry("pod/k/ns/b", new Resolution.Found(new NetnsRef.ByPath(Path.of("/proc/12/ns/net"), 0)))
                .containsEntry("pod/k/ns/c", new Resolution.Pending("not in the netns map " + file));
        assertThat(new NetnsRef.ByPath(Path.of("/proc/12/ns/net"), 0).command("nft", "-f", "-"))
                .containsExactly("nsenter", "--net=/proc/12/ns/net", "nft", "-f", "-");
        assertThat(new NetnsRef.Named("ns-a").command("nft")).containsExactly("ip", "netns", "exec", "ns-a", "nft");

        Files.writeString(file, "pod/k/ns/a: ../etc\n");
        assertThat(map.resolve(Map.of("pod/k/ns/a", List.of())).get("pod/k/ns/a")).isEqualTo(new Resolution.Pending(
                "netns map " + file + ": entry 'pod/k/ns/a': expected a network namespace name (as ip netns lists them), found \"../etc\""));
        assertThatThrownBy(() -> map.own("node/k/n")).hasMessageContaining("entry 'pod/k/ns/a'");
        Files.writeString(file, "- a list\n");
        assertThat(map.resolve(Map.of("pod/k/ns/a", List.of())).get("pod/k/ns/a").toString()).contains("expected a mapping");
    }
}
