package io.microseg.cli;

import io.microseg.auth.StaticTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

@Command(name = "hash-token", mixinStandardHelpOptions = true,
        description = {"Prints the line to put in server.auth for a bearer token: sha256:<64 hex digits>. The server keeps "
                + "only hashes: whoever reads the configuration cannot use it to connect.",
                "The token is read from standard input (one line) unless given, so that it stays out of the shell's history. "
                        + "With --generate, a new random token is made and printed first; give it to the agent or operator."})
final class HashTokenCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "TOKEN", description = "The token (default: read one line from standard input).")
    String token;

    @Option(names = "--generate", description = "Make a new random token (32 bytes, hex), print it, then its hash.")
    boolean generate;

    PrintStream out = System.out;

    @Override
    public Integer call() throws IOException {
        if (generate) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            token = HexFormat.of().formatHex(random);
            out.println("token: " + token);
        } else if (token == null) {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            token = line == null ? "" : line.trim();
        }
        if (token.isBlank()) {
            throw new io.microseg.input.InputException("hash-token", 0, null, null, "expected a token (an argument or a line on standard input), found none");
        }
        out.println((generate ? "tokenHash: \"" : "") + StaticTokens.hash(token) + (generate ? "\"" : ""));
        return 0;
    }
}
