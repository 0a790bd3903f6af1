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
                    + "and changes nothing). Default: ./rules when it exists, else the rules packaged in the jar, not reloaded.")
    java.nio.file.Path rules;

    /** Serve the packaged rules only, even where ./rules exists. */
    @Option(names = "--packaged-rules", description = "Serve the rules packaged in the jar and do not watch any DRL folder.")
    boolean packagedRules;

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
            java.nio.file.Path folder = rulesFolder();
            try (MicrosegServer s = new MicrosegServer(effective, startingRules(folder), folder)) {
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

    private java.nio.file.Path rulesFolder() {
        if (packagedRules) return null;
        if (rules != null) return rules;
        java.nio.file.Path local = java.nio.file.Path.of("rules");
        return java.nio.file.Files.isDirectory(local) ? local : null;
    }

    /**
     * The DRL folder as it is now (an edit since the build counts); the packaged rules when there is
     * none, or when it does not build: broken DRL never replaces working rules, and is reported.
     */
    private RuleBase startingRules(java.nio.file.Path folder) {
        if (folder == null) return RuleBase.packaged();
        DrlBuild.Result built = DrlBuild.build(folder);
        if (built.ok()) return built.rules();
        for (DrlProblem p : built.problems()) System.err.println("DRL error: " + p);
        System.err.println("serving the rules packaged in the jar until " + folder + " builds");
        return RuleBase.packaged();
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }
}
