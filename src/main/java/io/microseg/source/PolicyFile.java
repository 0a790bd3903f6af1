package io.microseg.source;

import io.microseg.input.InputException;
import io.microseg.inventory.KubernetesPolicy;
import io.microseg.policy.PolicyInputs;
import io.microseg.policy.Workspace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What is known of one file of a policy folder, one source {@code file:<path>}: its content as last
 * read (a digest, and what it holds when it parses), and what the sink has from it. A broken file
 * wants nothing new: what it delivered before stays in force.
 */
final class PolicyFile {
    final Path path;
    final String source;
    /** Digest of the content last read; null once the file is deleted. */
    byte[] digest;
    /** The workspaces and Kubernetes policies of that content; null when it is broken. */
    PolicyInputs read;
    /** Line of the document of each name ({@link #names}) in that content, for errors about names. */
    Map<String, Integer> lines = Map.of();
    /** What the sink has from this file; null when nothing was ever delivered. */
    List<Workspace> delivered;
    /** The NetworkPolicies and ClusterNetworkPolicies the sink has from this file. */
    List<KubernetesPolicy> deliveredPolicies = List.of();
    /** The last problem reported for this file, so that each is reported once. */
    private String reported;

    PolicyFile(Path path) {
        this.path = path;
        this.source = "file:" + path;
    }

    /** What the sink should have from this file: nothing once deleted; null while broken. */
    List<Workspace> wanted() {
        return digest == null ? List.of() : read == null ? null : read.workspaces();
    }

    /** The NetworkPolicies and ClusterNetworkPolicies the sink should have from this file: none once deleted; null while broken. */
    List<KubernetesPolicy> wantedPolicies() {
        return digest == null ? List.of() : read == null ? null : read.objects();
    }

    boolean pending() {
        List<Workspace> wanted = wanted();
        if (wanted == null) return false;
        return (delivered == null ? digest != null : !delivered.equals(wanted)) || !deliveredPolicies.equals(wantedPolicies());
    }

    /** Whether the file is gone and nothing delivered from it is left to take back. */
    boolean forgotten() {
        return digest == null && (delivered == null || delivered.isEmpty()) && deliveredPolicies.isEmpty();
    }

    /**
     * What no two files may both define, as names: "workspace prod", "NetworkPolicy x/np in cluster
     * lab", "ClusterNetworkPolicy deny in cluster lab", of what is wanted ({@code wanted}) or of what
     * is delivered.
     */
    List<String> names(boolean wanted) {
        List<String> names = new ArrayList<>();
        (wanted ? wanted() : deliveredOrNone()).forEach(w -> names.add(workspaceName(w.name())));
        (wanted ? wantedPolicies() : deliveredPolicies).forEach(np -> names.add(policyName(np)));
        return names;
    }

    /** Whether this name ({@link #names}) is delivered from this file. */
    boolean holds(String name) {
        return names(false).contains(name);
    }

    /** A new content was read: what was known of the previous one is dropped. */
    void changed(byte[] digest) {
        this.digest = digest;
        read = null;
        lines = Map.of();
        reported = null;
    }

    void deleted() {
        digest = null;
        read = null;
        lines = Map.of();
        reported = null;
    }

    /** Reports a problem of this file once (the same message again is not repeated). */
    void report(InputException e, FolderOutput output) {
        if (e.getMessage().equals(reported)) return;
        reported = e.getMessage();
        String keeping = delivered == null ? "nothing delivered from " + source
                : "keeping the last good version of " + source;
        output.problem(e, keeping);
    }

    private List<Workspace> deliveredOrNone() {
        return delivered == null ? List.of() : delivered;
    }

    static String workspaceName(String name) {
        return "workspace " + name;
    }

    static String policyName(KubernetesPolicy policy) {
        return policy.title() + " in cluster " + policy.cluster();
    }
}
