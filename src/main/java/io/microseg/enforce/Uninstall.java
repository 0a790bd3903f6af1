package io.microseg.enforce;

import io.microseg.enforce.netns.CommandRunner;

import io.microseg.enforce.netns.NetnsRef;
import io.microseg.enforce.netns.NetnsResolver;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code enforce --uninstall}: deletes {@code table inet microseg} from the agent's own namespace and from
 * every pod namespace the resolver reaches, touching nothing else. In a pod's namespace only a table whose
 * comment names this agent ({@code microseg <agent> netns ...}, as {@link NftRuleset} writes it) is deleted:
 * a scan also reaches namespaces that are not this agent's pods; any other is left and reported.
 */
public final class Uninstall {
    /** What was done. */
    public record Result(int deleted, int left, int failed) {}

    private final String agent;
    private final NetnsResolver resolver;
    private final CommandRunner runner;
    private final PrintStream log;

    public Uninstall(String agent, NetnsResolver resolver, CommandRunner runner, PrintStream log) {
        this.agent = agent;
        this.resolver = resolver;
        this.runner = runner;
        this.log = log;
    }

    /** Deletes the tables; a namespace that cannot be reached or listed is counted as failed. */
    public Result run() {
        int deleted = 0, left = 0, failed = 0;
        List<NetnsRef> pods;
        try {
            pods = resolver.reachable();
        } catch (IOException | RuntimeException e) {
            log.println("microseg enforce --uninstall: cannot list the pods' network namespaces: " + e.getMessage());
            pods = List.of();
            failed++;
        }
        NetnsRef own;
        try {
            own = resolver.own(agent);
        } catch (RuntimeException e) {
            log.println("microseg enforce --uninstall: cannot find the agent's own network namespace: " + e.getMessage());
            return new Result(0, 0, failed + 1);
        }
        switch (delete(own, true)) {
            case DELETED -> deleted++;
            case FAILED -> failed++;
            default -> { }
        }
        for (NetnsRef ref : pods) {
            if (ref.equals(own)) continue;
            switch (delete(ref, false)) {
                case DELETED -> deleted++;
                case LEFT -> left++;
                case FAILED -> failed++;
                default -> { }
            }
        }
        log.println("microseg enforce --uninstall: table inet microseg deleted from " + deleted + " network namespaces"
                + (left > 0 ? ", " + left + " left (not this agent's)" : "") + (failed > 0 ? ", " + failed + " failed" : ""));
        return new Result(deleted, left, failed);
    }

    private enum Fate { DELETED, ABSENT, LEFT, FAILED }

    private Fate delete(NetnsRef ref, boolean own) {
        String where = own ? "the agent's own network namespace" : "netns " + ref.label();
        CommandRunner.Result listed = run(ref.command("nft", "list", "table", "inet", NftRuleset.TABLE), "");
        if (listed.exit() != 0) {
            if (listed.output().contains("No such file or directory")) return Fate.ABSENT;
            log.println("microseg enforce --uninstall: cannot look into " + where + ": " + listed.output().trim());
            return Fate.FAILED;
        }
        if (!own && !listed.output().contains("comment \"microseg " + agent + " netns ")) {
            log.println("microseg enforce --uninstall: left table inet microseg in " + where + ": its comment does not name " + agent);
            return Fate.LEFT;
        }
        CommandRunner.Result r = run(ref.command("nft", "-f", "-"), "delete table inet " + NftRuleset.TABLE + "\n");
        if (r.exit() != 0) {
            log.println("microseg enforce --uninstall: cannot delete table inet microseg in " + where + ": " + r.output().trim());
            return Fate.FAILED;
        }
        log.println("microseg enforce --uninstall: deleted table inet microseg in " + where);
        return Fate.DELETED;
    }

    private CommandRunner.Result run(List<String> cmd, String stdin) {
        try {
            return runner.run(cmd, stdin);
        } catch (IOException e) {
            return new CommandRunner.Result(-1, String.join(" ", cmd) + ": " + e.getMessage());
        }
    }
}
