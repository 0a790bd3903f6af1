package io.microseg.cli;

import io.microseg.controlplane.AddressSet;
import io.microseg.explain.FlowTrace;
import io.microseg.explain.Trace;
import io.microseg.explain.TraceText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;

@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Traces a flow through the compiled rules: each hop (source egress, the entry node's check of the"
                + " original source, node forwarding after DNAT, destination ingress) with its deciding rule and provenance,"
                + " the verdict, and why no ALLOW rule decided.",
                "Ends: workload ids (pod/<cluster>/<ns>/<name>, node/<cluster>/<name>, host/<name>), services"
                        + " (service/<cluster>/<ns>/<name> or <name>.<ns>), or IPs (an IP in no inventory is outside: unmanaged, no rules of its own; decided by the CIDRs policies name)."})
final class TraceCommand implements Callable<Integer> {
    @Mixin
    InputOptions input;

    @Option(names = "--from", paramLabel = "X", required = true, description = "The source: workload id, service or IP.")
    String from;

    @Option(names = "--to", paramLabel = "Y", required = true, description = "The destination: workload id, service or IP.")
    String to;

    @Option(names = "--port", paramLabel = "PROTO/PORT", required = true,
            description = "tcp/27017, udp/53, sctp/N or icmp: the destination port as the source addresses it"
                    + " (a service's port, or its node port on a node).")
    String port;

    @Option(names = "--via", paramLabel = "NODE",
            description = "The node where node-port or load-balancer traffic enters the cluster: node/<cluster>/<name>, a node"
                    + " name or a node's IP (default: the node addressed, else the first node the traffic can use).")
    String via;

    @Override
    public Integer call() {
        Trace.Port p = Trace.Port.parse(port); // bad input before the compile
        InputOptions.Compiled c = input.compile();
        FlowTrace t = Trace.of(c.compilation(), c.inventory(), c.workspaces()).trace(from, to, p.protocol(), p.port(), via);
        Map<String, AddressSet> sets = c.compilation().sets().stream().collect(Collectors.toMap(AddressSet::id, Function.identity()));
        System.out.print(TraceText.write(t, sets));
        return 0;
    }
}
