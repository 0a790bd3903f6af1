package io.microseg.facts;

import io.microseg.inventory.ServiceType;
import io.microseg.net.Protocol;
import io.microseg.policy.Action;
import io.microseg.policy.Enforcement;
import io.microseg.policy.Rank;

/**
 * A policy whose provider is a service, narrowed to one service port its ports cover. The service
 * rules translate it into rules on consumers, nodes and provider pods, by the service's type.
 * Join keys are flattened into plain properties so that Drools can index them.
 */
public record ServiceGrant(String policy, String workspace, String scope, String consumer, Action action, Rank rank,
                           int priority, String service, String cluster, ServiceType type, boolean hasClusterIp,
                           boolean hasLoadBalancerIp, boolean preservesClientIp, String portKey, Protocol protocol,
                           int port, Integer nodePort, boolean hasNodePort, Enforcement enforcement) implements Grant {

    public static ServiceGrant of(PolicyPort p, KubeService s, KubeServicePort sp) {
        return new ServiceGrant(p.policy(), p.workspace(), p.scope(), p.consumer(), p.action(), p.rank(),
                p.priority(), s.id(), s.cluster(), s.type(), s.hasClusterIp(), s.hasLoadBalancerIp(),
                s.preservesClientIp(), sp.portKey(), sp.protocol(), sp.port(), sp.nodePort(), sp.hasNodePort(), p.enforcement());
    }

    /** The service port's number as a rule's ports. */
    public String servicePort() {
        return Integer.toString(port);
    }

    /** The node port as a rule's ports. */
    public String nodePortText() {
        return String.valueOf(nodePort);
    }

    public boolean isNodePortOrLoadBalancer() {
        return type == ServiceType.NodePort || type == ServiceType.LoadBalancer;
    }
}
