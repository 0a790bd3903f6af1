package io.microseg.explain;

import io.microseg.net.Protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The answer to "what happens to a flow from A to B on this port?": every hop with its deciding rule.
 *
 * @param from     the source as resolved: a workload id, or "outside &lt;ip&gt;"
 * @param to       the destination as resolved: a workload id, a service id, or "outside &lt;ip&gt;"
 * @param protocol the flow's protocol
 * @param port     the destination port as the source addresses it (0 for ICMP)
 * @param path     how the traffic travels, in words ("ClusterIP 10.96.0.50:27017 of service/demo/data/db, DNAT to its pods")
 * @param hops     each firewall crossed, in path order (for a service, the hops of every backend)
 * @param blocked  why the traffic cannot get through whatever the firewalls say (no IP, no endpoint, no such service port)
 * @param notes    facts worth knowing that decide nothing (other backends, how a name was resolved)
 * @param verdict  ALLOW only when every hop allows and nothing blocks
 */
public record FlowTrace(String from, String to, Protocol protocol, int port, String path, List<Hop> hops,
                        List<String> blocked, List<String> notes, Verdict verdict) {
    public FlowTrace {
        hops = List.copyOf(hops);
        blocked = List.copyOf(blocked);
        notes = List.copyOf(notes);
    }

    /** Every reason the flow is denied: what blocks it, then each denying hop's reasons. Empty when allowed. */
    public List<String> why() {
        List<String> all = new ArrayList<>(blocked);
        for (Hop h : hops) {
            if (h.verdict() == Verdict.DENY) h.why().stream().filter(w -> !all.contains(w)).forEach(all::add);
        }
        return all;
    }

    /** The hops that deny. */
    public List<Hop> denied() {
        return hops.stream().filter(h -> h.verdict() == Verdict.DENY).toList();
    }
}
