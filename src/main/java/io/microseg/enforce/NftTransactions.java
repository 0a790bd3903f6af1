package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;
import io.microseg.enforce.netns.NetnsRef;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * Runs {@code nft} transactions in network namespaces. Contract of {@link #run}: the script (what {@code nft -f}
 * reads) is one transaction, committed whole or not at all; exit 0 means it was committed, anything else that it
 * was not or that this cannot tell (the caller then re-creates the table: the full script deletes whatever is
 * there). Calls for different namespaces may run at once; one namespace's calls come one at a time.
 */
public interface NftTransactions extends AutoCloseable {
    /** Runs {@code script} in {@code ns} as one transaction. */
    CommandRunner.Result run(NetnsRef ns, String script);

    /** Lets go of whatever is held for namespaces other than {@code keep} (a namespace the agent no longer applies into). */
    default void retain(Collection<NetnsRef> keep) {}

    /** Lets go of everything held. */
    @Override
    default void close() {}

    /** One {@code nft -f -} process per transaction, entering the namespace through its {@link NetnsRef#prefix()}. */
    static NftTransactions oneShot(CommandRunner runner) {
        return (ns, script) -> {
            List<String> cmd = ns.command("nft", "-f", "-");
            try {
                return runner.run(cmd, script);
            } catch (IOException e) {
                return new CommandRunner.Result(-1, String.join(" ", cmd) + ": " + e.getMessage());
            }
        };
    }
}
