package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;

import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.feed.AgentViews;
import io.microseg.inventory.Inventory;
import io.microseg.inventory.InventoryReader;
import io.microseg.policy.PolicyReader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node's forward path in a real kernel: a node namespace with a kube-proxy-like table (node port
 * 30017 DNATed to a backend pod on the same node, masqueraded), a client host that the policy names and
 * a stranger it does not, and the agent's {@link Enforcer} applying its scripts with real {@code nft}.
 * The node's address towards the pod is 10.244.1.1 (a bridge CNI's gateway), so masquerade gives the
 * pod that source, not the node's InternalIP 10.0.0.11.
 */
class NftForwardPathTest {
    static final Path INPUT = Path.of("src/test/resources/enforce/forward-path");
    static final String NODE = "node/lab/node-1";
    static final String POD = "pod/lab/data/db-0";

    @Test
    void aNodePortAdmitsTheConsumerAndDropsAStrangerAtTheNodeAndThePodAcceptsTheMasqueradedGatewayAddress() throws Exception {
        Nft.assumeAvailable();
        Netns.assumeAvailable();
        Inventory inventory = InventoryReader.read(INPUT.resolve("inventory"));
        Compilation c = new Compiler(RuleBase.packaged()).compile(inventory, PolicyReader.read(INPUT.resolve("policies")));
        AgentView view = AgentViews.of(c, inventory, NODE);

        Path listenLog = Files.createTempFile("microseg-listen", ".log");
        Process listener = null;
        try (Netns node = Netns.create("node"); Netns client = Netns.create("client"); Netns stranger = Netns.create("stranger");
             Netns pod = Netns.create("pod")) {
            node.ip("link", "add", "lan0", "type", "bridge");
            node.ip("link", "set", "lan0", "up");
            node.ip("addr", "add", "10.0.0.11/24", "dev", "lan0");
            node.veth("v-client", client, "eth0");
            node.veth("v-stranger", stranger, "eth0");
            node.ip("link", "set", "v-client", "master", "lan0");
            node.ip("link", "set", "v-stranger", "master", "lan0");
            client.ip("addr", "add", "10.0.0.21/24", "dev", "eth0");
            stranger.ip("addr", "add", "10.0.0.99/24", "dev", "eth0");
            node.veth("p-db", pod, "eth0");
            node.ip("addr", "add", "10.244.1.1/24", "dev", "p-db");
            pod.ip("addr", "add", "10.244.1.10/24", "dev", "eth0");
            pod.ip("route", "add", "default", "via", "10.244.1.1");
            node.must("", "sysctl", "-qw", "net.ipv4.ip_forward=1");
            node.must("""
                    table ip kube-proxy {
                      chain prerouting {
                        type nat hook prerouting priority dstnat; policy accept;
                        fib daddr type local tcp dport 30017 meta mark set 0x4000 dnat to 10.244.1.10:27017
                      }
                      chain postrouting {
                        type nat hook postrouting priority srcnat; policy accept;
                        meta mark 0x4000 masquerade
                      }
                    }
                    """, "nft", "-f", "-");
            String kubeProxy = node.must("", "nft", "list", "table", "ip", "kube-proxy");

            String java = ProcessHandle.current().info().command().orElse("java");
            listener = new ProcessBuilder("ip", "netns", "exec", pod.name(), java, "tests/e2e/Listen.java", "27017")
                    .redirectErrorStream(true).redirectOutput(listenLog.toFile()).start();
            waitFor(listenLog, "listening");

            assertThat(connects(stranger)).as("without microseg the stranger reaches the node port: DNAT and routing work").isTrue();
            assertThat(connects(client)).isTrue();

            FixedNetns namespaces = new FixedNetns(Map.of(NODE, node.name(), POD, pod.name()));
            // the node's addresses as the inventory knows them: the pod sees the gateway address and drops the client
            Enforcer inventoryOnly = new Enforcer(NODE, namespaces, io.microseg.enforce.netns.PodNetns.Backoff.DEFAULT, List.of(), List.of("10.0.0.11"), false, CommandRunner::exec, System.err);
            assertThat(inventoryOnly.enforce(view, 1).failed()).isZero();
            assertThat(connects(client)).as("masqueraded with 10.244.1.1, which nodes:lab from the inventory does not hold").isFalse();

            // the agent lists the node's own addresses: 10.244.1.1 counts as the node in the pod's rules
            Enforcer agent = new Enforcer(NODE, namespaces, io.microseg.enforce.netns.PodNetns.Backoff.DEFAULT, List.of(), List.of(), false, CommandRunner::exec, System.err);
            assertThat(agent.enforce(view, 2).failed()).isZero();
            assertThat(node.must("", "nft", "list", "set", "inet", "microseg", "node_local_4")).contains("10.0.0.11", "10.244.1.1");
            int accepted = count(listenLog, "accepted from 10.244.1.1", 0);
            assertThat(connects(client)).as("the consumer, on the node port").isTrue();
            assertThat(count(listenLog, "accepted from 10.244.1.1", accepted + 1)).as("the pod saw the node's gateway address").isEqualTo(accepted + 1);
            assertThat(connects(stranger)).as("a source in no consumer set is dropped at the node").isFalse();
            String counters = node.must("", "nft", "list", "chain", "inet", "microseg", "node_port");
            assertThat(counters).contains("ct original proto-dst 30017");
            assertThat(node.must("", "nft", "list", "table", "ip", "kube-proxy")).as("kube-proxy's table is untouched").isEqualTo(kubeProxy);

            // the stranger goes to the pod directly: not DNATed, so the node does not judge it, the pod drops it
            stranger.ip("route", "add", "10.244.1.0/24", "via", "10.0.0.11");
            assertThat(connects(stranger, "10.244.1.10", 27017)).as("the pod's own rules drop it").isFalse();
            pod.must("", "nft", "delete", "table", "inet", "microseg");
            assertThat(connects(stranger, "10.244.1.10", 27017)).as("forwarded, not DNATed: the node's chains let it pass").isTrue();
        } finally {
            if (listener != null) {
                listener.destroy();
                listener.waitFor();
            }
            Files.deleteIfExists(listenLog);
        }
    }

    private static boolean connects(Netns from) throws IOException {
        return connects(from, "10.0.0.11", 30017);
    }

    private static boolean connects(Netns from, String ip, int port) throws IOException {
        return from.exec("", "timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/" + ip + "/" + port).exit() == 0;
    }

    private static void waitFor(Path log, String text) throws Exception {
        for (int i = 0; i < 300 && !Files.readString(log).contains(text); i++) Thread.sleep(100);
        assertThat(Files.readString(log)).as("the listener started").contains(text);
    }

    /** How many lines of the listener's log hold {@code text}, waiting up to 5 s for at least {@code expected}. */
    private static int count(Path log, String text, int expected) throws Exception {
        int n = 0;
        for (int i = 0; i < 50; i++) {
            n = Files.readString(log).split(java.util.regex.Pattern.quote(text), -1).length - 1;
            if (n >= expected) break;
            Thread.sleep(100);
        }
        return n;
    }
}
