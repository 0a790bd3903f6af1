package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;

import io.microseg.controlplane.Codec;
import io.microseg.enforce.netns.AutoNetns;
import io.microseg.enforce.netns.NetnsRef;
import io.microseg.enforce.netns.NetnsResolver;
import io.microseg.enforce.netns.NetnsResolver.Resolution;
import io.microseg.enforce.netns.PodNetns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --netns auto} with real network namespaces (root, iproute2, nsenter, nft; skipped otherwise): pods
 * found by their addresses in named namespaces and in a process's namespace that has no name, one namespace
 * reachable by a name and a pid counted once, an address in two namespaces left pending, a namespace deleted
 * after it was found, the agent's own namespace refused; real tables applied through the refs, and uninstall.
 * Addresses are in 10.250.N.0/24, N from this JVM's pid, and the agent is named after that pid, so that concurrent
 * runs do not share them nor delete each other's tables.
 */
class AutoNetnsTest {
    /**
     * The agent, named after this JVM: its uninstall scans every process of the host, so it reaches the namespaces of
     * any other test run's live nft processes (nft sessions), and deletes there every table whose comment names it.
     */
    private static final String AGENT = "node/k/n" + ProcessHandle.current().pid();
    private final String net = "10.250." + ProcessHandle.current().pid() % 250 + ".";
    private final List<Netns> namespaces = new ArrayList<>();
    private int veths;
    private final List<Process> processes = new ArrayList<>();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
    @TempDir
    Path dir; // the netns directory of this test: links to its own namespaces only

    @BeforeEach
    void available() {
        Netns.assumeAvailable();
        Nft.assumeAvailable();
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (Process p : processes) p.destroyForcibly();
        for (Netns n : namespaces) n.close();
    }

    /** A named namespace linked into this test's netns directory, with a veth pair to {@code node} holding {@code address}. */
    private Netns pod(String label, Netns node, String address) throws IOException {
        Netns n = Netns.create(label);
        namespaces.add(n);
        Files.createSymbolicLink(dir.resolve(n.name()), Path.of("/run/netns", n.name()));
        String here = "v" + (++veths) + "x" + ProcessHandle.current().pid() % 100000;
        node.veth(here, n, "eth0");
        n.ip("addr", "add", address + "/32", "dev", "eth0");
        return n;
    }

    /** A process in a namespace of its own that has no name (as a pod sandbox's may be), holding {@code address}. */
    private long unnamed(String address) throws Exception {
        Process p = new ProcessBuilder("unshare", "--net", "sh", "-c",
                "ip link add eth0 type veth peer name eth1 && ip addr add " + address + "/32 dev eth0 && ip link set eth0 up && echo ready && exec sleep 120")
                .redirectErrorStream(true).start();
        processes.add(p);
        String first = new String(p.getInputStream().readNBytes(6), StandardCharsets.UTF_8);
        assertThat(first.strip()).as("the unshared process started").isEqualTo("ready");
        return p.pid();
    }

    private AutoNetns resolver(Path self) {
        return new AutoNetns(dir, Path.of("/proc"), self, CommandRunner::exec, log);
    }

    @Test
    void podsAreFoundByTheirAddressesAndNeverGuessed() throws Exception {
        Netns node = Netns.create("node");
        namespaces.add(node);
        node.ip("link", "add", "lan0", "type", "veth", "peer", "name", "lan1");
        node.ip("addr", "add", net + "1/24", "dev", "lan0");
        Netns a = pod("a", node, net + "10");
        a.ip("addr", "add", "fd00:250::10/128", "dev", "eth0", "nodad");
        // a process inside a: the same namespace by its name and by /proc/<pid>/ns/net
        Process inA = new ProcessBuilder("ip", "netns", "exec", a.name(), "sleep", "120").start();
        processes.add(inA);
        long unnamedPid = unnamed(net + "20");
        Netns twin1 = pod("twin1", node, net + "30");
        Netns twin2 = pod("twin2", node, net + "30");
        Netns gone = pod("gone", node, net + "40");

        // the agent's own namespace is the node's here
        AutoNetns auto = resolver(Path.of("/run/netns", node.name()));
        Map<String, Resolution> r = auto.resolve(Map.of(
                "pod/k/ns/a", List.of(net + "10", "fd00:250::10"),
                "pod/k/ns/unnamed", List.of(net + "20"),
                "pod/k/ns/twin", List.of(net + "30"),
                "pod/k/ns/gone", List.of(net + "40"),
                "pod/k/ns/host-network", List.of(net + "1"),
                "pod/k/ns/nowhere", List.of(net + "99"),
                "pod/k/ns/no-address", List.of()));

        assertThat(r.get("pod/k/ns/a")).as("found by its name, not by the pid of the process in it")
                .isEqualTo(new Resolution.Found(new NetnsRef.ByPath(dir.resolve(a.name()), inode("/run/netns/" + a.name()))));
        assertThat(r.get("pod/k/ns/unnamed")).isEqualTo(new Resolution.Found(
                new NetnsRef.ByPath(Path.of("/proc/" + unnamedPid + "/ns/net"), inode("/proc/" + unnamedPid + "/ns/net"))));
        assertThat(r.get("pod/k/ns/twin")).isInstanceOf(Resolution.Pending.class);
        assertThat(((Resolution.Pending) r.get("pod/k/ns/twin")).reason()).contains("ambiguous", "2 network namespaces",
                twin1.name(), twin2.name());
        assertThat(((Resolution.Pending) r.get("pod/k/ns/host-network")).reason()).contains("agent's own network namespace", "hostNetwork");
        assertThat(((Resolution.Pending) r.get("pod/k/ns/nowhere")).reason()).isEqualTo("no network namespace holds " + net + "99");
        assertThat(((Resolution.Pending) r.get("pod/k/ns/no-address")).reason()).contains("no address");

        // the namespace found is deleted: the ref no longer leads there, and it is found nowhere
        NetnsRef goneRef = ((Resolution.Found) r.get("pod/k/ns/gone")).ref();
        assertThat(auto.stillThere(goneRef)).isTrue();
        gone.close();
        assertThat(auto.stillThere(goneRef)).isFalse();
        assertThat(auto.resolve(Map.of("pod/k/ns/gone", List.of(net + "40"))).get("pod/k/ns/gone"))
                .isEqualTo(new Resolution.Pending("no network namespace holds " + net + "40"));

        // an address added after the namespace was listed is found (the listings are read again)
        Netns late = pod("late", node, net + "50");
        assertThat(auto.resolve(Map.of("pod/k/ns/late", List.of(net + "50"))).get("pod/k/ns/late")).isInstanceOf(Resolution.Found.class);
        late.ip("addr", "add", net + "51/32", "dev", "eth0");
        assertThat(auto.resolve(Map.of("pod/k/ns/late", List.of(net + "51"))).get("pod/k/ns/late"))
                .isEqualTo(new Resolution.Found(new NetnsRef.ByPath(dir.resolve(late.name()), inode("/run/netns/" + late.name()))));

        long aInode = inode("/run/netns/" + a.name());
        assertThat(auto.reachable()).as("every namespace seen once, but the agent's own")
                .contains(new NetnsRef.ByPath(dir.resolve(a.name()), inode("/run/netns/" + a.name())))
                .doesNotContain(new NetnsRef.ByPath(dir.resolve(node.name()), inode("/run/netns/" + node.name())))
                .filteredOn(ref -> ((NetnsRef.ByPath) ref).inode() == aInode).hasSize(1);
    }

    @Test
    void theAgentsOwnNftProcessesDoNotKeepANamespaceThePodLeftInTheScan() throws Exception {
        Netns node = Netns.create("node");
        namespaces.add(node);
        Netns pod = pod("left", node, net + "60");
        // an nft session of the agent in the pod's namespace, and a process of someone else's in another
        Process session = new ProcessBuilder("ip", "netns", "exec", pod.name(), "nft", "-i").start();
        processes.add(session);
        AutoNetns auto = resolver(Path.of("/run/netns", node.name()));
        assertThat(auto.resolve(Map.of("pod/k/ns/left", List.of(net + "60"))).get("pod/k/ns/left")).isInstanceOf(Resolution.Found.class);

        pod.close(); // the pod's sandbox goes; the namespace lives on while the session is in it
        assertThat(session.isAlive()).isTrue();
        assertThat(auto.resolve(Map.of("pod/k/ns/left", List.of(net + "60"))).get("pod/k/ns/left"))
                .isEqualTo(new Resolution.Pending("no network namespace holds " + net + "60"));
    }

    @Test
    void theEnforcerAppliesRealTablesThroughTheRefsRetriesPendingPodsAndUninstallRemovesOnlyItsOwn() throws Exception {
        Netns node = Netns.create("node");
        namespaces.add(node);
        Netns a = pod("a", node, net + "10");
        long unnamedPid = unnamed(net + "20");
        Path unnamedNs = Path.of("/proc/" + unnamedPid + "/ns/net");
        Netns stranger = pod("stranger", node, net + "60");
        // another agent's table in a namespace this scan reaches too
        stranger.must("table inet microseg {\n  comment \"microseg node/k/other netns pod/k/ns/s\"\n}\n", "nft", "-f", "-");

        AgentState state = new AgentState(AGENT);
        state.apply(Codec.decodeEvent("{\"type\":\"snapshot\",\"version\":1,\"replace\":false,\"rules\":["
                + rule("r1", "pod/k/ns/a") + "," + rule("r2", "pod/k/ns/unnamed") + "," + rule("r3", "pod/k/ns/later")
                + "],\"sets\":[{\"id\":\"s1\",\"description\":\"d\",\"members\":[\"10.0.0.1\"]}],\"workloads\":["
                + workload("pod/k/ns/a", net + "10") + "," + workload("pod/k/ns/unnamed", net + "20") + ","
                + workload("pod/k/ns/later", net + "70") + "]}").event());
        AgentView view = state.view();
        assertThat(view.addresses()).as("the pods' addresses come from the stream").containsEntry("pod/k/ns/later", List.of(net + "70"));
        // the agent runs in the test's namespace; it applies its own table into the node's namespace by name
        CommandRunner runner = CommandRunner::exec;
        Enforcer enforcer = new Enforcer(AGENT, ownIn(node, new AutoNetns(dir, Path.of("/proc"), Path.of("/run/netns", node.name()), runner, log)), new PodNetns.Backoff(Duration.ofSeconds(2), Duration.ofSeconds(4)), List.of(), List.of("10.0.0.11"), false, runner, log);

        Enforcer.Outcome first = enforcer.enforce(view, 1);
        assertThat(first.failed()).isZero();
        assertThat(first.pendingPods()).containsExactly("pod/k/ns/later");
        assertThat(first.pending().get("pod/k/ns/later")).isEqualTo("no network namespace holds " + net + "70");
        assertThat(first.firstError()).contains("pod/k/ns/later: network namespace not found: no network namespace holds");
        assertThat(first.namespaces()).extracting("workload", "netns").contains(
                org.assertj.core.groups.Tuple.tuple("pod/k/ns/a", dir.resolve(a.name()).toString()),
                org.assertj.core.groups.Tuple.tuple("pod/k/ns/unnamed", unnamedNs.toString()));
        assertThat(a.must("", "nft", "list", "table", "inet", "microseg")).contains("netns pod/k/ns/a\"");
        assertThat(nsenter(unnamedNs, "nft", "list", "table", "inet", "microseg")).contains("netns pod/k/ns/unnamed\"");
        assertThat(node.must("", "nft", "list", "table", "inet", "microseg")).contains("netns node\"");

        assertThat(enforcer.retryDue()).as("not before the first delay").isFalse();
        io.microseg.testing.Await.until("the pending pod's retry has come", Duration.ofSeconds(5), enforcer::retryDue);
        Netns later = pod("later", node, net + "70");
        Enforcer.Outcome second = enforcer.enforce(view, 1);
        assertThat(second.pendingPods()).isEmpty();
        assertThat(later.must("", "nft", "list", "table", "inet", "microseg")).contains("netns pod/k/ns/later\"");
        assertThat(enforcer.retryDue()).isFalse();

        // the pod's namespace is re-created (a new sandbox, the same address): due at once, applied into the new one
        later.close();
        namespaces.remove(later);
        assertThat(enforcer.retryDue()).as("a namespace applied into is gone").isTrue();
        Files.delete(dir.resolve(later.name()));
        Netns again = pod("again", node, net + "70");
        assertThat(enforcer.enforce(view, 1).pendingPods()).isEmpty();
        assertThat(again.must("", "nft", "list", "table", "inet", "microseg")).contains("netns pod/k/ns/later\"");

        String text = logBytes.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("pod/k/ns/later: network namespace not found (no network namespace holds " + net + "70)",
                "pod/k/ns/later: network namespace " + dir.resolve(later.name()));

        Uninstall.Result done = new Uninstall(AGENT, ownIn(node, new AutoNetns(dir, Path.of("/proc"), Path.of("/run/netns", node.name()), runner, log)), runner, log).run();
        assertThat(done.deleted()).as("node, a, unnamed, again").isGreaterThanOrEqualTo(4);
        assertThat(done.failed()).isZero();
        for (Netns n : List.of(node, a, again)) {
            assertThat(n.exec("", "nft", "list", "table", "inet", "microseg").exit()).as(n.name()).isNotZero();
        }
        assertThat(new ProcessBuilder("nsenter", "--net=" + unnamedNs, "nft", "list", "table", "inet", "microseg").start().waitFor()).isNotZero();
        assertThat(stranger.must("", "nft", "list", "table", "inet", "microseg")).as("another agent's table stays").contains("node/k/other");
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("left table inet microseg in netns " + dir.resolve(stranger.name()));
    }

    /** The resolver, but the agent's own namespace is {@code node} (the test runs in another). */
    private static NetnsResolver ownIn(Netns node, NetnsResolver inner) {
        return new NetnsResolver() {
            @Override
            public NetnsRef own(String agent) {
                return new NetnsRef.Named(node.name());
            }

            @Override
            public Map<String, Resolution> resolve(Map<String, List<String>> pods) {
                return inner.resolve(pods);
            }

            @Override
            public boolean stillThere(NetnsRef ref) {
                return inner.stillThere(ref);
            }

            @Override
            public List<NetnsRef> reachable() throws IOException {
                return inner.reachable();
            }
        };
    }

    private static String workload(String id, String address) {
        return "{\"id\":\"" + id + "\",\"addresses\":[\"" + address + "\"]}";
    }

    private static String rule(String id, String pod) {
        return "{\"id\":\"" + id + "\",\"workload\":\"" + pod + "\",\"direction\":\"INGRESS\",\"action\":\"ALLOW\",\"protocol\":\"TCP\","
                + "\"ports\":\"80\",\"peerSet\":\"s1\",\"rule\":\"x\",\"policy\":\"w/p\",\"rank\":\"DEFAULT\",\"priority\":100}";
    }

    private static String nsenter(Path ns, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + ns));
        cmd.addAll(List.of(command));
        CommandRunner.Result r = CommandRunner.exec(cmd, "");
        assertThat(r.exit()).as(r.output()).isZero();
        return r.output();
    }

    private static long inode(String path) throws IOException {
        return ((Number) Files.getAttribute(Path.of(path), "unix:ino")).longValue();
    }
}
