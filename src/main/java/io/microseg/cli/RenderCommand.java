package io.microseg.cli;

import io.microseg.enforce.AgentView;
import io.microseg.enforce.NftRuleset;
import io.microseg.feed.AgentViews;
import io.microseg.net.Addresses;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "render", mixinStandardHelpOptions = true,
        description = {"Renders one agent's rules offline as the nftables scripts its enforcement agent applies:",
                "one section per network namespace (the node's or host's own, and one per pod placed on it),",
                "each starting with '# microseg netns: <node|host|pod/CLUSTER/NS/NAME>' and complete for 'nft -f'."})
final class RenderCommand implements Callable<Integer> {
    enum Format { nft }

    @Mixin
    InputOptions input;

    @ArgGroup(exclusive = true, multiplicity = "1")
    AgentOptions agent;

    @Option(names = "--format", defaultValue = "nft", description = "nft (the only format so far). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Option(names = "--server-address", paramLabel = "IP:PORT",
            description = "The microseg server the agent talks to: its connection is accepted first (e.g. 10.0.0.2:8080).")
    String server;

    @Option(names = "--node-address", paramLabel = "IP",
            description = {"One more address of the node's own (repeatable), beside its inventory addresses, as the agent lists",
                    "them on the node: a CNI bridge or gateway address such as 10.244.1.1 or 169.254.1.1. They join",
                    "nodes:<cluster> in the node's and its pods' scripts, and the node's node_local sets."})
    List<String> nodeAddresses = List.of();

    @Override
    public Integer call() {
        InputOptions.Compiled c = input.compile();
        String id = agent.id();
        if (!AgentViews.placements(c.inventory()).containsKey(id)) {
            System.err.println("error: " + id + " is not in the inventory");
            return Main.BAD_INPUT;
        }
        if (!nodeAddresses.isEmpty() && agent.node == null) {
            System.err.println("error: --node-address: expected --node CLUSTER/NODE (a host's addresses join no set), found --host " + agent.host);
            return Main.BAD_INPUT;
        }
        List<String> own = new ArrayList<>(AgentViews.ownAddresses(c.inventory(), id));
        for (String a : nodeAddresses) {
            if (!Addresses.isAddress(a)) {
                System.err.println("error: --node-address: expected an IPv4 or IPv6 address, found '" + a + "'");
                return Main.BAD_INPUT;
            }
            if (!own.contains(a)) own.add(a);
        }
        AgentView view = AgentViews.of(c.compilation(), c.inventory(), id);
        ServerAddress s = server == null ? null : ServerAddress.parse(server);
        List<NftRuleset.Endpoint> servers;
        try {
            servers = s == null ? List.of() : List.of(new NftRuleset.Endpoint(s.host(), s.port()));
        } catch (IllegalArgumentException e) {
            System.err.println("error: --server-address: " + e.getMessage());
            return Main.BAD_INPUT;
        }
        NftRuleset.Options options = new NftRuleset.Options(servers, own);
        System.out.print(NftRuleset.renderText(view, options));
        return 0;
    }

    /** {@code --node CLUSTER/NODE} or {@code --host NAME}: whose agent. */
    static final class AgentOptions {
        @Option(names = "--node", paramLabel = "CLUSTER/NODE", required = true, description = "A Kubernetes node, e.g. demo/node-1.")
        String node;

        @Option(names = "--host", paramLabel = "NAME", required = true, description = "A host outside Kubernetes, e.g. backup-prod.")
        String host;

        String id() {
            return node != null ? "node/" + node : "host/" + host;
        }
    }

    record ServerAddress(String host, int port) {
        static ServerAddress parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon < 0) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new RenderCommand()),
                    "--server-address must be IP:PORT, got " + text);
            String h = text.substring(0, colon).replace("[", "").replace("]", "");
            return new ServerAddress(h, Integer.parseInt(text.substring(colon + 1)));
        }
    }
}
