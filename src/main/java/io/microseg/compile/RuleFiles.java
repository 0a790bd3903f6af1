package io.microseg.compile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The DRL of a rule set, read once: each {@code *.drl} file of a folder by its name,
 * {@code rules/<file>.drl}, and its text. Everything downstream (the code check, the build, the
 * sources for provenance, the digest) works on this one reading, so the rule set that is checked is
 * the one that is built and the one the digest names.
 *
 * <p>Files whose names start with a dot are not rules (editors' swap and lock files, Kubernetes'
 * {@code ..data} entries); links are followed, so a ConfigMap volume's {@code rules/x.drl ->
 * ..data/x.drl} reads as the file it points to.
 */
public record RuleFiles(SortedMap<String, String> files) {
    public RuleFiles {
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
    }

    /** Every {@code *.drl} file of {@code folder}; an {@link IOException} when the folder cannot be listed or a file read. */
    public static RuleFiles read(Path folder) throws IOException {
        SortedMap<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(folder)) {
            for (Path f : list.toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".drl") || name.startsWith(".") || !Files.isRegularFile(f)) continue;
                files.put("rules/" + name, new String(Files.readAllBytes(f), StandardCharsets.UTF_8));
            }
        }
        return new RuleFiles(files);
    }

    /** The DRL packaged in the jar under {@code rules/}, as the build compiled it. */
    public static RuleFiles packaged() {
        URL root = RuleFiles.class.getClassLoader().getResource("rules/");
        if (root == null) return new RuleFiles(new TreeMap<>());
        try {
            if (root.getProtocol().equals("jar")) {
                try (FileSystem fs = FileSystems.newFileSystem(root.toURI(), Map.of())) {
                    return read(fs.getPath("rules"));
                }
            }
            return read(Path.of(root.toURI()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean isEmpty() {
        return files.isEmpty();
    }

    /**
     * {@code sha256:<hex>} over the file names in order and their contents, each length-prefixed so
     * that no two different rule sets share a digest by moving text from one file to the next.
     */
    public String digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            files.forEach((name, text) -> {
                update(sha, name.getBytes(StandardCharsets.UTF_8));
                update(sha, text.getBytes(StandardCharsets.UTF_8));
            });
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static void update(MessageDigest sha, byte[] bytes) {
        sha.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
        sha.update(bytes);
    }
}
