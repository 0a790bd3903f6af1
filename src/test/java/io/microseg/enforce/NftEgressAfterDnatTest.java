package io.microseg.enforce;

import io.microseg.compile.Compilation;
import io.microseg.compile.Compiler;
import io.microseg.compile.RuleBase;
import io.microseg.enforce.netns.CommandRunner;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A NetworkPolicy's egress through a Service in a real kernel: web-0 may reach the api pods of tier a on
 * 8080; service api (ClusterIP 10.96.0.80:80, target port 8080) has api-0 (tier a) and api-1 (tier b),
 * which a kube-proxy stand-in in the node's namespace picks in turn. The pod's own namespace still sees
 * the ClusterIP, so the agent judges the policy in the node's namespace after the DNAT: through the
 * Service web-0 reaches api-0 and not api-1, exactly as straight to the pods. Then a workspace ALLOW to
 * the Service (priority 5000, between the policy's allow and its isolation), defined on the ClusterIP
 * and port 80 as sent, opens api-1 through the Service and not straight.
 */
class NftEgressAfterDnatTest {
    static final Path INPUT = Path.of("src/test/resources/enforce/egress-after-dnat");
    static final String NODE = "node/lab/node-1";

    /** The listeners' logs, api-0's and api-1's. */
    private final Path[] logs = new Path[2];

    @Test
    void aPodsNetworkPolicyEgressJudgesTheBackendKubeProxyPickedAndItsTargetPort() throws Exception {
        Nft.assumeAvailable();
        Netns.assumeAvailable();
        Inventory inventory = InventoryReader.read(INPUT.resolve("inventory"));
        Compilation policyOnly = new Compiler(RuleBase.packaged()).compile(inventory, List.of());
        Compilation withWorkspace = new Compiler(RuleBase.packaged()).compile(inventory, PolicyReader.read(INPUT.resolve("policies")));

        Path log0 = logs[0] = Files.createTempFile("microseg-api-0", ".log");
        Path log1 = logs[1] = Files.createTempFile("microseg-api-1", ".log");
        Process l0 = null;
        Process l1 = null;
        try (Netns node = Netns.create("node"); Netns web = Netns.create("web"); Netns api0 = Netns.create("api0");
             Netns api1 = Netns.create("api1")) {
            routed(node, web, "caliweb", "10.244.1.20");
            routed(node, api0, "caliapi0", "10.244.1.10");
            routed(node, api1, "caliapi1", "10.244.1.11");
            node.must("", "sysctl", "-qw", "net.ipv4.ip_forward=1");
            // kube-proxy's nftables mode in miniature: the ClusterIP DNATed to each backend in turn
            node.must("""
                    table ip kube-proxy {
                      chain ep-0 {
                        meta l4proto tcp dnat to 10.244.1.10:8080
                      }
                      chain ep-1 {
                        meta l4proto tcp dnat to 10.244.1.11:8080
                      }
                      chain prerouting {
                        type nat hook prerouting priority dstnat; policy accept;
                        ip daddr 10.96.0.80 tcp dport 80 numgen inc mod 2 vmap { 0 : goto ep-0, 1 : goto ep-1 }
                      }
                    }
                    """, "nft", "-f", "-");
            String java = ProcessHandle.current().info().command().orElse("java");
            l0 = new ProcessBuilder("ip", "netns", "exec", api0.name(), java, "tests/e2e/Listen.java", "8080")
                    .redirectErrorStream(true).redirectOutput(log0.toFile()).start();
            l1 = new ProcessBuilder("ip", "netns", "exec", api1.name(), java, "tests/e2e/Listen.java", "8080")
                    .redirectErrorStream(true).redirectOutput(log1.toFile()).start();
            waitFor(log0, "listening");
            waitFor(log1, "listening");
            assertThat(throughService(web, 4)).as("without microseg, both backends through the Service").containsExactly(2, 2);

            FixedNetns namespaces = new FixedNetns(Map.of(NODE, node.name(), "pod/lab/shop/web-0", web.name(),
                    "pod/lab/shop/api-0", api0.name(), "pod/lab/shop/api-1", api1.name()));
            Enforcer agent = new Enforcer(NODE, namespaces, io.microseg.enforce.netns.PodNetns.Backoff.DEFAULT, List.of(), List.of(),
                    false, CommandRunner::exec, System.err);
            assertThat(agent.enforce(AgentViews.of(policyOnly, inventory, NODE), 1).failed()).isZero();
            assertThat(web.must("", "nft", "list", "chain", "inet", "microseg", "w_" + NftRuleset.hash("pod/lab/shop/web-0") + "_out"))
                    .as("the pod's own chain leaves the policy to its node").contains("is judged by the node after DNAT");
            assertThat(node.must("", "nft", "list", "chain", "inet", "microseg", "prerouting")).contains("ip saddr 10.244.1.20 jump");

            assertThat(throughService(web, 4)).as("through the Service: api-0 (tier a, 8080 after DNAT) only").containsExactly(2, 0);
            assertThat(connects(web, "10.244.1.10", 8080)).as("straight to api-0").isTrue();
            assertThat(connects(web, "10.244.1.11", 8080)).as("straight to api-1").isFalse();

            assertThat(agent.enforce(AgentViews.of(withWorkspace, inventory, NODE), 2).failed()).isZero();
            assertThat(node.must("", "nft", "list", "chain", "inet", "microseg", "w_" + NftRuleset.hash("pod/lab/shop/web-0") + "_dnat"))
                    .as("the workspace's rule, defined on what the pod sent").contains("ct original proto-dst 80", "ct original ip daddr @");
            assertThat(throughService(web, 4)).as("the workspace ALLOW on the ClusterIP opens api-1 through the Service").containsExactly(2, 2);
            assertThat(connects(web, "10.244.1.11", 8080)).as("but not straight: the policy's isolation").isFalse();
        } finally {
            for (Process p : new Process[] {l0, l1}) {
                if (p != null) {
                    p.destroy();
                    p.waitFor();
                }
            }
            Files.deleteIfExists(log0);
            Files.deleteIfExists(log1);
        }
    }

    /** A routed CNI's pod (Calico style): the node side of its veth holds the gateway 169.254.1.1, a /32 route per pod. */
    private static void routed(Netns node, Netns pod, String veth, String ip) throws IOException {
        node.veth(veth, pod, "eth0");
        node.ip("addr", "add", "169.254.1.1/32", "dev", veth);
        node.ip("link", "set", veth, "up");
        node.ip("route", "add", ip + "/32", "dev", veth);
        pod.ip("addr", "add", ip + "/32", "dev", "eth0");
        pod.ip("link", "set", "eth0", "up");
        pod.ip("route", "add", "169.254.1.1/32", "dev", "eth0", "scope", "link");
        pod.ip("route", "add", "default", "via", "169.254.1.1", "dev", "eth0");
    }

    /** Connects {@code tries} times to the ClusterIP; how many each backend accepted from web-0, as [api-0, api-1]. */
    private int[] throughService(Netns web, int tries) throws Exception {
        int before0 = accepted(logs[0]);
        int before1 = accepted(logs[1]);
        for (int i = 0; i < tries; i++) connects(web, "10.96.0.80", 80);
        Thread.sleep(300);
        return new int[] {accepted(logs[0]) - before0, accepted(logs[1]) - before1};
    }

    private static int accepted(Path log) throws IOException {
        return Files.readString(log).split("accepted from 10.244.1.20", -1).length - 1;
    }

    private static boolean connects(Netns from, String ip, int port) throws IOException {
        return from.exec("", "timeout", "1", "bash", "-c", "exec 3<>/dev/tcp/" + ip + "/" + port).exit() == 0;
    }

    private static void waitFor(Path log, String text) throws Exception {
        for (int i = 0; i < 300 && !Files.readString(log).contains(text); i++) Thread.sleep(100);
        assertThat(Files.readString(log)).as("the listener started").contains(text);
    }
}
