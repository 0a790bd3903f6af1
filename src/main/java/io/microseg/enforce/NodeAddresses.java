package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;

import io.microseg.enforce.netns.InterfaceAddresses;
import io.microseg.enforce.netns.NetnsRef;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * The local node's own addresses, as the agent finds them on the node's interfaces: the addresses a
 * connection the node forwards or masquerades may carry as its source, which the agent counts as
 * "the nodes" ({@code nodes:<cluster>}) in the node's and its pods' namespaces, and the destinations
 * whose DNATed connections the node judges as node-port traffic.
 *
 * <p>Contract. {@link #refresh} lists every address of every interface in the node's network namespace
 * ({@code ip -j addr show}, through the namespace's {@link NetnsRef#prefix()} when the node is not the agent's own) and keeps
 * all of them except:
 * <ul>
 *   <li>loopback: the interface flagged LOOPBACK and addresses of scope host (127.0.0.0/8, ::1): no
 *       packet leaves the node with them;</li>
 *   <li>IPv6 link-local, fe80::/10: every interface has one, masquerade never picks one for a routed
 *       destination, and the same fe80:: address (a routed CNI's gateway fe80::1) is on many nodes;</li>
 *   <li>the addresses on {@code kube-ipvs0}: kube-proxy's IPVS mode puts the ClusterIPs and
 *       load-balancer addresses of services on that dummy interface so the kernel accepts them; they
 *       are services' addresses, not the node's, and as "node" addresses they would let any pod pass as
 *       the node.</li>
 * </ul>
 * IPv4 link-local (169.254.0.0/16) is kept: routed CNIs give the pod-side interfaces a gateway such as
 * Calico's 169.254.1.1, and when kube-proxy masquerades a node-port connection to a backend on this
 * node the kernel picks the outgoing interface's address, which may be exactly that gateway.
 *
 * <p>Fail closed: a listing that fails (the command fails, its output is unreadable, or it lists no
 * address at all) changes nothing: the last good listing stays in use and the failure is reported once
 * (and the recovery when a listing succeeds again). Before the first good listing {@link #known} is
 * false and {@link #addresses} empty.
 */
public final class NodeAddresses {
    private final CommandRunner runner;
    private final PrintStream log;
    private List<String> addresses = List.of();
    private boolean known;
    private String problem;

    public NodeAddresses(CommandRunner runner, PrintStream log) {
        this.runner = runner;
        this.log = log;
    }

    /**
     * Lists the addresses of the node's namespace {@code netns} again; returns whether the addresses in use
     * changed. A failed listing keeps the last good one.
     */
    public synchronized boolean refresh(NetnsRef netns) {
        List<String> cmd = netns.command("ip", "-j", "addr", "show");
        List<String> listed;
        try {
            CommandRunner.Result r = runner.run(cmd, "");
            if (r.exit() != 0) throw new IOException(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.output().trim());
            listed = parse(r.output());
            if (listed.isEmpty()) throw new IOException(String.join(" ", cmd) + " lists no address but loopback and link-local ones");
        } catch (IOException e) {
            String now = e.getMessage();
            if (!now.equals(problem)) {
                log.println("microseg enforce: cannot list the node's own addresses (" + now + "); "
                        + (known ? "keeping the last listing " + addresses : "none known yet"));
            }
            problem = now;
            return false;
        }
        if (problem != null) log.println("microseg enforce: the node's own addresses are listed again: " + listed);
        problem = null;
        boolean changed = !known || !listed.equals(addresses);
        if (changed) log.println("microseg enforce: the node's own addresses: " + String.join(", ", listed));
        addresses = List.copyOf(listed);
        known = true;
        return changed;
    }

    /** The addresses of the last good listing, in the listing's order; empty before the first. */
    public synchronized List<String> addresses() {
        return addresses;
    }

    /** Whether a listing has succeeded yet. */
    public synchronized boolean known() {
        return known;
    }

    /** The node's own addresses in the output of {@code ip -j addr show}, without duplicates; an IOException when it is not that JSON. */
    static List<String> parse(String ipJson) throws IOException {
        return InterfaceAddresses.parse(ipJson);
    }
}
