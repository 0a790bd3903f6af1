package io.microseg.explain;

import io.microseg.controlplane.CompiledRule;
import io.microseg.net.Protocol;
import io.microseg.policy.Direction;

import java.util.List;

/**
 * One firewall a flow crosses, and what it decides.
 *
 * @param step       where on the path: the source's egress, the entry node's check of the original source, a node
 *                   forwarding after DNAT, the destination's ingress
 * @param workload   whose traffic this is (the pod, node or host)
 * @param enforcer   the workload whose firewall decides: the workload itself, or the node of a hostNetwork pod
 * @param direction  EGRESS or INGRESS, as the enforcer sees the traffic
 * @param peer       the other end as the enforcer sees it: a workload id, a service address, or "outside"
 * @param peerAddress the other end's address the rule's peer set is matched against (null: an address not known)
 * @param peerMemberOf when the peer's address is not known because masquerade picks it among the node's own
 *                   addresses: the one set it counts as a member of ({@code nodes:<cluster>}, which the agent
 *                   fills with the node's addresses there); null otherwise
 * @param localAddress the enforcer's own address on this hop (INGRESS: the destination as the packet arrived,
 *                   before DNAT; EGRESS: the source), matched against a rule's local set; null when none applies
 * @param protocol   the flow's protocol
 * @param port       the destination port on this hop (0 for ICMP)
 * @param dnatAddress on a pod's egress through a service DNATed on its own node: the backend's address, the
 *                   destination after that DNAT, which the rules judged after DNAT match (a NetworkPolicy's
 *                   egress); null when the hop sees no DNAT (those rules match {@code peerAddress})
 * @param dnatPort   with {@code dnatAddress}: the backend's target port; 0 otherwise
 * @param verdict    ALLOW or DENY
 * @param rule       the deciding rule, first match in evaluation order; null when no rule decided (open)
 * @param position   the deciding rule's position (1-based) among the enforcer's rules of this direction; 0 when none
 * @param of         how many rules the enforcer has in this direction
 * @param decision   the decision in words ("no rule: no workspace's scope includes this workload (open)")
 * @param why        for a DENY: why no ALLOW rule decided, from the policies; empty otherwise
 */
public record Hop(Step step, String workload, String enforcer, Direction direction, String peer, String peerAddress,
                  String peerMemberOf, String localAddress, Protocol protocol, int port, String dnatAddress, int dnatPort,
                  Verdict verdict, CompiledRule rule,
                  int position, int of, String decision, List<String> why) {
    public Hop {
        why = List.copyOf(why);
    }

    public enum Step {
        SOURCE_EGRESS("source egress"),
        ENTRY_NODE_INGRESS("entry node accepts the original source"),
        NODE_FORWARD("node forwards after DNAT"),
        DESTINATION_INGRESS("destination ingress");

        private final String words;

        Step(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }

    Hop withWhy(List<String> reasons) {
        return new Hop(step, workload, enforcer, direction, peer, peerAddress, peerMemberOf, localAddress, protocol, port, dnatAddress,
                dnatPort, verdict, rule, position, of,
                decision, reasons);
    }
}
