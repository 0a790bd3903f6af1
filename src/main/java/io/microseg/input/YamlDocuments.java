package io.microseg.input;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads the documents of input files: a folder's {@code *.yaml}, {@code *.yml} and {@code *.json}
 * files (recursively, in path order), several documents per file, and {@code kind: List} expanded
 * into its items as {@code kubectl get -o yaml} and {@code -o json} print them. See
 * {@link DocumentReader} for what YAML means here and {@link DecodingReader} for the encodings read.
 *
 * <p>Files of any size are read as a stream, one object at a time: {@link #read(Path, Consumer)}
 * hands each document on as soon as it is read, so a caller that keeps only what it translates a
 * document into holds that, not the file.
 */
public final class YamlDocuments {
    private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxStringLength(InputLimits.MAX_SCALAR_CHARS)
            .maxNestingDepth(InputLimits.MAX_DEPTH + 1)
            .maxDocumentLength(-1)
            .build();
    private static final YAMLFactory YAML = new YamlParser.Factory(YAMLFactory.builder()
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL) // "key:" with nothing after it is null, as in YAML
            .loaderOptions(loaderOptions())
            .streamReadConstraints(LIMITS));
    private static final JsonFactory JSON = JsonFactory.builder().streamReadConstraints(LIMITS).build();

    private YamlDocuments() {}

    /**
     * SnakeYAML refuses documents over 3 MiB by default, a bound on what it builds in memory; here
     * nothing of that size is built (one object at a time is), so no document-size bound is needed.
     */
    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(Integer.MAX_VALUE);
        return options;
    }

    /** Every input file under {@code folder}, in path order. */
    public static List<Path> files(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new InputException(folder.toString(), 0, null, null, "expected a folder of YAML or JSON files, found none there");
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(YamlDocuments::isInputFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether a path is a file this reads: {@code *.yaml}, {@code *.yml} or {@code *.json}. */
    public static boolean isInputFile(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"));
    }

    /** Every document of every input file under {@code folder}, in order; for inputs small enough to hold. */
    public static List<Document> readFolder(Path folder) {
        List<Document> docs = new ArrayList<>();
        for (Path f : files(folder)) read(f, docs::add);
        return docs;
    }

    public static List<Document> readFile(Path file) {
        List<Document> docs = new ArrayList<>();
        read(file, docs::add);
        return docs;
    }

    /** Hands each document of {@code file} to {@code each} as soon as it is read. */
    public static void read(Path file, Consumer<Document> each) {
        InputStream in;
        try {
            in = Files.newInputStream(file);
        } catch (IOException e) {
            throw new InputException(file.toString(), 0, null, null, "cannot read the file: " + e);
        }
        read(file.toString(), in, each);
    }

    /** Parses YAML text (JSON when {@code file} ends with .json); {@code file} only names it in documents and errors. */
    public static List<Document> parse(String file, String text) {
        return parse(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses the bytes of a file, as {@link #read(Path, Consumer)} reads them from disk. */
    public static List<Document> parse(String file, byte[] bytes) {
        List<Document> docs = new ArrayList<>();
        read(file, new ByteArrayInputStream(bytes), docs::add);
        return docs;
    }

    private static void read(String file, InputStream in, Consumer<Document> each) {
        boolean json = file.toLowerCase(Locale.ROOT).endsWith(".json");
        String format = json ? "JSON" : "YAML";
        // JSON has no line limit: minified JSON is one line, and Jackson's JSON scanner is linear.
        try (DecodingReader text = new DecodingReader(file, in, json ? 0 : InputLimits.MAX_YAML_LINE_CHARS);
             JsonParser parser = (json ? JSON : YAML).createParser(text)) {
            try {
                new DocumentReader(file, parser).read(each);
            } catch (StreamConstraintsException e) {
                throw new InputException(file, parser.currentLocation().getLineNr(), null, null, "expected " + format
                        + " within microseg's input limits (values of at most " + InputLimits.MAX_SCALAR_CHARS
                        + " characters, nesting at most " + InputLimits.MAX_DEPTH + " deep): "
                        + e.getOriginalMessage().replaceAll(" \\(from `.*`\\)", ""));
            }
        } catch (JsonProcessingException e) {
            throw new InputException(file, line(e), null, null, "malformed " + format + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InputException(file, 0, null, null, "cannot read the file: " + e);
        }
    }

    private static int line(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        return at == null ? 0 : at.getLineNr();
    }
}
