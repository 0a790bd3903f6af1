package io.microseg.enforce;

import io.microseg.controlplane.WatchConnection;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The agent's bearer token, read from its file each time it is asked for: a Kubernetes projected
 * service-account token is rewritten in place before it expires, so the agent reads it at every
 * (re)connect and every status report instead of once at start. A missing, empty or oversized file is an
 * {@link IOException} naming the file and the problem: the caller retries later and keeps its rules.
 */
public record TokenFile(Path file) implements WatchConnection.TokenSource {
    /** Far above any bearer token (a Kubernetes service-account JWT is about 1 KiB). */
    public static final int MAX_BYTES = 64 * 1024;

    @Override
    public String token() throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new IOException("token file " + file + ": not found");
        }
        if (bytes.length > MAX_BYTES) throw new IOException("token file " + file + ": larger than " + MAX_BYTES + " bytes, not a token");
        String token = new String(bytes, StandardCharsets.UTF_8).trim();
        if (token.isEmpty()) throw new IOException("token file " + file + ": empty");
        if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IOException("token file " + file + ": expected one token of printable ASCII without spaces");
        }
        return token;
    }
}
