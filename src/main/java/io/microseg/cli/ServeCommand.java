package io.microseg.cli;

import io.microseg.compile.DrlBuild;
import io.microseg.compile.DrlProblem;

import io.microseg.compile.RuleBase;
import io.microseg.compile.RuleFiles;
import io.microseg.deploy.RulesFolderTrust;
import io.microseg.config.MicrosegConfig;
import io.microseg.input.InputException;
import io.microseg.server.MicrosegServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
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
            description = "Deploy the rules of this DRL folder and follow it: a new rule set is applied once it is complete (settled, "
                    + "allowed by the code check, built, dropping no rule); anything else is reported and changes nothing. Removing "
                    + "rules takes POST /v1/rules/reload {\"remove\": [names]}. Default: ./rules when it exists, else the rules "
                    + "packaged in the jar, not reloaded. Whoever can write the folder runs code as the server: it is refused when "
                    + "others than the server's user (or root) own or may write it.")
    java.nio.file.Path rules;

    @Option(names = "--allow-shared-rules-folder",
            description = "Serve a rules folder (or DRL file) that others may write or own; they then run code as the server. "
                    + "Also rules.allowSharedFolder: true in the configuration.")
    boolean allowSharedRulesFolder;

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
        MicrosegConfig.Rules deploys = config.rules();
        if (allowSharedRulesFolder) deploys = deploys.withAllowSharedFolder(true);
        MicrosegConfig effective = config.withServer(server).withRules(deploys);
        java.nio.file.Path folder = rulesFolder();
        if (folder != null && !deploys.allowSharedFolder()) {
            List<String> untrusted = RulesFolderTrust.problems(folder);
            if (!untrusted.isEmpty()) {
                throw new InputException(folder.toString(), 0, null, null, "refusing to serve rules others may change: "
                        + String.join("; ", untrusted) + ". Whoever can write DRL runs code as the server: make the folder, its files "
                        + "and the folders above it the server user's (or root's) and not group- or world-writable (chmod go-w), or "
                        + "start with --allow-shared-rules-folder (rules.allowSharedFolder: true)");
            }
        }
        SourceOptions.untilStopped("serve", stop, () -> {
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
                say("ready at version " + version + ": " + s.feed().agents().size() + " agents; the workbench is at " + url + "/ ; agents read "
                        + url + "/v1/nodes/<cluster>/<node>/rules");
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
     * The DRL folder as it is now (an edit since the build counts) when it is a complete rule set; else
     * the rules packaged in the jar, with the reason: an empty, refused or broken folder never replaces
     * working rules. The folder's watch then reports it again until it is fixed.
     */
    private RuleBase startingRules(java.nio.file.Path folder) {
        if (folder == null) return RuleBase.packaged();
        String problem;
        try {
            RuleFiles files = RuleFiles.read(folder);
            if (files.isEmpty()) {
                problem = "no .drl file in " + folder;
            } else {
                DrlBuild.Result built = DrlBuild.build(files);
                if (built.ok() && !built.rules().ruleNames().isEmpty()) return built.rules();
                for (DrlProblem p : built.problems()) System.err.println((built.notAllowed() ? "DRL refused: " : "DRL error: ") + p);
                problem = built.ok() ? "no rule in the .drl files of " + folder
                        : built.problems().size() + (built.notAllowed() ? " refusal(s) by the code check" : " DRL error(s)") + " in " + folder;
            }
        } catch (java.io.IOException e) {
            problem = "cannot read " + folder + ": " + e;
        }
        System.err.println(problem + ": serving the rules packaged in the jar until " + folder + " holds a complete rule set");
        return RuleBase.packaged();
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }
}
