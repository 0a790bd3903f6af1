package io.microseg.cli;

import io.microseg.compile.DrlBuild;
import io.microseg.compile.DrlProblem;

import io.microseg.compile.RuleBase;
import io.microseg.config.MicrosegConfig;
import io.microseg.input.InputException;
import io.microseg.server.MicrosegServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs the engine on the configured sources and serves the rules over HTTP: each enforcement agent "
                + "reads or streams (NDJSON) its node's or host's rules; operators read workloads' rules, explanations and "
                + "warnings; /healthz, /readyz and /metrics for the platform. Runs until interrupted (Ctrl-C).",
                "Authentication (bearer tokens, hashed in the configuration's server.auth) is required unless the listen "
                        + "address is loopback and no authentication is asked for explicitly."})
final class ServeCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    SourceOptions options = new SourceOptions();

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Where to listen (default: the configuration's server.listen, else 127.0.0.1:8080; port 0: any free port).")
    String listen;

    @Option(names = "--insecure-no-auth",
            description = "Serve without authentication: anyone who can connect reads every rule. Refused unless the listen address is loopback.")
    boolean insecureNoAuth;

    @Option(names = "--rules", paramLabel = "DIR",
            description = "Watch this DRL folder and reload the rules when it changes (an edit with errors is reported at its line "
                    + "and changes nothing). Default: the rules packaged in the jar, not reloaded.")
    java.nio.file.Path rules;

    /** Counted down to stop serving: by the shutdown hook on Ctrl-C, or by a test. */
    final CountDownLatch stop = new CountDownLatch(1);
    PrintStream out = System.out;

    @Override
    public Integer call() throws InterruptedException {
        MicrosegConfig config = options.read();
        MicrosegConfig.Server server = config.server();
        if (listen != null) {
            try {
                server = server.withListen(MicrosegConfig.Listen.parse(listen));
            } catch (IllegalArgumentException e) {
                throw new InputException("--listen", 0, null, null, e.getMessage());
            }
        }
        if (insecureNoAuth) server = server.withAuth(MicrosegConfig.Auth.INSECURE);
        if (server.auth().insecureNoAuth() && !server.listen().isLoopback()) {
            throw new InputException(insecureNoAuth ? "--insecure-no-auth" : options.configFile().toString(), 0, null, null,
                    "refusing to serve without authentication on " + server.listen() + ", which is not a loopback address: "
                            + "anyone who can reach it would read every rule. Listen on 127.0.0.1, or configure tokens in server.auth");
        }
        if (!server.auth().configured()) {
            boolean noFile = options.config == null && options.inventory != null && options.policies != null;
            if (noFile) {
                throw new InputException("serve", 0, null, null, "expected --config FILE with tokens in server.auth, or "
                        + "--insecure-no-auth on a loopback address, found neither");
            }
            throw new InputException(options.configFile().toString(), 0, null, "server.auth",
                    "expected agent or operator tokens (see `microseg hash-token`), or insecureNoAuth: true on a loopback address, found none");
        }
        MicrosegConfig effective = config.withServer(server);
        SourceOptions.untilStopped("serve", stop, () -> {
            try (MicrosegServer s = new MicrosegServer(effective, startingRules(), rules)) {
                int port;
                try {
                    port = s.listen();
                } catch (IllegalStateException e) {
                    throw new InputException("--listen", 0, null, null, "cannot listen on " + effective.server().listen() + ": " + e.getMessage());
                }
                String host = effective.server().listen().host();
                String url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
                say("listening on " + url + (effective.server().auth().insecureNoAuth() ? " WITHOUT authentication (loopback only)" : "")
                        + "; reading " + SourceOptions.describe(effective));
                long version = s.start();
                say("ready at version " + version + ": " + s.feed().agents().size() + " agents; try " + url + "/v1/nodes/<cluster>/<node>/rules");
                stop.await();
            }
        });
        return 0;
    }

    /** The rules folder as it is now when one is given (an edit since the build counts), else the packaged rules. */
    private RuleBase startingRules() {
        if (rules == null) return RuleBase.packaged();
        DrlBuild.Result built = DrlBuild.build(rules);
        if (!built.ok()) {
            DrlProblem first = built.problems().get(0);
            throw new InputException(first.file(), first.line(), first.rule() == null ? null : "rule \"" + first.rule() + "\"",
                    null, first.message() + (built.problems().size() > 1 ? " (and " + (built.problems().size() - 1) + " more: run check-rules)" : ""));
        }
        return built.rules();
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }
}
