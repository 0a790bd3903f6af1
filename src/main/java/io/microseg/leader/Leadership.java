package io.microseg.leader;

/**
 * Whether this process is the one that does the work that must happen once among the server's replicas
 * (writing Workspace status). Read it just before each such action: leadership can end at any time.
 */
public interface Leadership extends AutoCloseable {
    boolean leading();

    /** This process's name in the election (a Lease's holder identity). */
    String identity();

    @Override
    void close();

    /** A process that runs alone (no Kubernetes to elect through): always the leader. */
    static Leadership alone(String identity) {
        return new Leadership() {
            @Override
            public boolean leading() {
                return true;
            }

            @Override
            public String identity() {
                return identity;
            }

            @Override
            public void close() {}
        };
    }

    /** This process's identity: {@code $POD_NAME} in a pod, the host name otherwise. */
    static String localIdentity() {
        String pod = System.getenv("POD_NAME");
        if (pod != null && !pod.isBlank()) return pod.trim();
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "microseg-" + ProcessHandle.current().pid();
        }
    }
}
