package io.microseg.input;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the YAML documents of a folder (recursively, *.yaml and *.yml, in path order): several
 * documents per file, and {@code kind: List} expanded into its items as {@code kubectl get -o yaml}
 * prints them.
 */
public final class YamlDocuments {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private YamlDocuments() {}

    public static List<Document> readFolder(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new InputException(folder.toString(), 0, null, null, "expected a folder of YAML files, found none there");
        }
        try (Stream<Path> files = Files.walk(folder)) {
            List<Document> docs = new ArrayList<>();
            for (Path f : files.filter(YamlDocuments::isYaml).sorted().toList()) {
                docs.addAll(readFile(f));
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean isYaml(Path p) {
        String n = p.getFileName().toString();
        return Files.isRegularFile(p) && (n.endsWith(".yaml") || n.endsWith(".yml"));
    }

    public static List<Document> readFile(Path file) {
        try {
            return parse(file.toString(), Files.readString(file));
        } catch (IOException e) {
            throw new InputException(file.toString(), 0, null, null, "cannot read the file: " + e.getMessage());
        }
    }

    /** Parses YAML text; {@code file} only names it in documents and errors. */
    public static List<Document> parse(String file, String text) {
        List<Document> docs = new ArrayList<>();
        try (JsonParser p = YAML.getFactory().createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                JsonLocation at = p.currentTokenLocation();
                JsonNode node = YAML.readTree(p);
                if (node == null || node.isNull() || node.isMissingNode()) continue;
                int line = at.getLineNr();
                if (t != JsonToken.START_OBJECT) {
                    throw new InputException(file, line, null, null, "expected a YAML mapping with apiVersion and kind, found " + node.getNodeType().name().toLowerCase());
                }
                Document doc = new Document(file, line, node);
                if (doc.kind().equals("List")) {
                    JsonNode items = node.path("items");
                    for (int i = 0; i < items.size(); i++) {
                        docs.add(new Document(file, line, items.get(i)));
                    }
                } else {
                    docs.add(doc);
                }
            }
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            throw new InputException(file, loc == null ? 0 : loc.getLineNr(), null, null,
                    "malformed YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InputException(file, 0, null, null, "cannot read the file: " + e.getMessage());
        }
        return docs;
    }
}
