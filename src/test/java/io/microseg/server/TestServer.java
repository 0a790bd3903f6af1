package io.microseg.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microseg.compile.RuleBase;
import io.microseg.config.MicrosegConfig;
import io.microseg.testing.TestFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real server on an ephemeral loopback port, on copies of the demo folders, with one token per
 * agent and an operator token; and the HTTP client side of the tests.
 */
final class TestServer implements AutoCloseable {
    static final String NODE_1 = "token-of-node-1";
    static final String NODE_2 = "token-of-node-2";
    static final String BACKUP = "token-of-host-backup-prod";
    static final String OPERATOR = "token-of-operator-alice";
    static final ObjectMapper JSON = new ObjectMapper();
    private static RuleBase rules;

    final Path inventory;
    final Path policies;
    final MicrosegServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final int port;

    static synchronized RuleBase rules() {
        if (rules == null) rules = RuleBase.packaged();
        return rules;
    }

    static MicrosegConfig.Server settings() {
        return MicrosegConfig.Server.DEFAULT.withListen(new MicrosegConfig.Listen("127.0.0.1", 0))
                .withAuth(new MicrosegConfig.Auth(false,
                        List.of(new MicrosegConfig.AgentToken("node/demo/node-1", io.microseg.auth.StaticTokens.hash(NODE_1)),
                                new MicrosegConfig.AgentToken("node/demo/node-2", io.microseg.auth.StaticTokens.hash(NODE_2)),
                                new MicrosegConfig.AgentToken("host/backup-prod", io.microseg.auth.StaticTokens.hash(BACKUP))),
                        List.of(new MicrosegConfig.OperatorToken("alice", io.microseg.auth.StaticTokens.hash(OPERATOR)))))
                .withBookmarkInterval(Duration.ofMillis(300));
    }

    /** Copies the demo into {@code dir} and starts a server on it with the given settings. */
    TestServer(Path dir, MicrosegConfig.Server settings) {
        this(dir, settings, null);
    }

    /** As above, with the rules reloaded from {@code rulesFolder} when it is not null. */
    TestServer(Path dir, MicrosegConfig.Server settings, Path rulesFolder) {
        this(dir, settings, rulesFolder, java.time.Clock.systemUTC(), null);
    }

    /** As above, with the clock its versions start from and its epoch (null: a random one). */
    TestServer(Path dir, MicrosegConfig.Server settings, Path rulesFolder, java.time.Clock clock, String epoch) {
        this(dir, settings, rulesFolder, MicrosegConfig.Rules.DEFAULT, clock, epoch);
    }

    /** With the rules folder deployed as {@code deploys} says. */
    TestServer(Path dir, MicrosegConfig.Server settings, Path rulesFolder, MicrosegConfig.Rules deploys) {
        this(dir, settings, rulesFolder, deploys, java.time.Clock.systemUTC(), null);
    }

    private TestServer(Path dir, MicrosegConfig.Server settings, Path rulesFolder, MicrosegConfig.Rules deploys, java.time.Clock clock,
                       String epoch) {
        inventory = TestFiles.copy(Path.of("config/demo/inventory"), dir.resolve("inventory"));
        policies = TestFiles.copy(Path.of("config/demo/policies"), dir.resolve("policies"));
        MicrosegConfig config = MicrosegConfig.ofFolders(List.of(inventory), List.of(policies)).withServer(settings).withRules(deploys);
        server = epoch == null ? new MicrosegServer(config, rules(), rulesFolder)
                : new MicrosegServer(config, rules(), rulesFolder, clock, epoch);
        port = server.listen();
    }

    TestServer start() {
        server.start();
        return this;
    }

    record Response(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    Response get(String path, String token) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET(), token);
    }

    Response post(String path, String token) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody()), token);
    }

    /** A POST with a JSON body. */
    Response post(String path, String token, String json) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), token);
    }

    /** A PUT with a JSON body. */
    Response put(String path, String token, String json) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)), token);
    }

    private Response send(HttpRequest.Builder req, String token) {
        if (token != null) req.header("Authorization", "Bearer " + token);
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** An NDJSON stream read line by line on its own thread. */
    Stream watch(String path, String token) {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri(path)).GET();
        if (token != null) req.header("Authorization", "Bearer " + token);
        try {
            HttpResponse<InputStream> r = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            return new Stream(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static final class Stream implements AutoCloseable {
        final HttpResponse<InputStream> response;
        final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        /** Arrival time of each event (System.nanoTime), in step with {@link #events}. */
        final BlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();
        private final Thread reader;
        volatile boolean ended;

        Stream(HttpResponse<InputStream> response) {
            this.response = response;
            this.reader = new Thread(this::read, "ndjson-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.isBlank()) continue;
                    JsonNode event = JSON.readTree(line);
                    arrivals.add(System.nanoTime());
                    events.add(event);
                }
            } catch (IOException e) {
                // closed
            } finally {
                ended = true;
            }
        }

        /** The next event that is not a bookmark. */
        JsonNode next() {
            return next(Duration.ofSeconds(10), false);
        }

        JsonNode next(Duration timeout, boolean bookmarks) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (true) {
                    long left = deadline - System.nanoTime();
                    JsonNode e = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                    if (e == null) throw new AssertionError("no event within " + timeout.toMillis() + " ms");
                    arrivals.poll();
                    if (bookmarks || !e.get("type").asText().equals("bookmark")) return e;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** The next bookmark, skipping anything else. */
        JsonNode nextBookmark() {
            while (true) {
                JsonNode e = next(Duration.ofSeconds(5), true);
                if (e.get("type").asText().equals("bookmark")) return e;
            }
        }

        @Override
        public void close() {
            try {
                response.body().close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
