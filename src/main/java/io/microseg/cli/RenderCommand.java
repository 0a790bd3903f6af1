package io.microseg.cli;

import io.microseg.enforce.AgentView;
import io.microseg.enforce.NftRuleset;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @Override
    public Integer call() {
        InputOptions.Compiled c = input.compile();
        String id = agent.id();
        var placements = AgentView.placements(c.inventory());
        if (!placements.containsKey(id)) {
            System.err.println("error: " + id + " is not in the inventory");
            return Main.BAD_INPUT;
        }
        AgentView view = AgentView.of(c.compilation(), placements, id);
        ServerAddress s = server == null ? null : ServerAddress.parse(server);
        NftRuleset.Options options = new NftRuleset.Options(s == null ? null : s.host(), s == null ? 0 : s.port(),
                AgentView.ownAddresses(c.inventory(), id));
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
