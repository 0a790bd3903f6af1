package io.microseg.input;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/**
 * One YAML document (or one item of a {@code kind: List}), where it was read from (the line it
 * starts on) and where its fields were written, for errors that name their line.
 */
public record Document(String file, int line, JsonNode node, Lines lines) {
    public Document {
        if (lines == null) lines = Lines.NONE;
    }

    /** A document whose fields' lines are unknown: errors name its own line. */
    public Document(String file, int line, JsonNode node) {
        this(file, line, node, Lines.NONE);
    }

    public String kind() {
        return node.path("kind").asText("");
    }

    public String apiVersion() {
        return node.path("apiVersion").asText("");
    }

    public String name() {
        return node.path("metadata").path("name").asText("");
    }

    /** "Pod web/db-0", "Workspace prod": how error messages name the object. */
    public String describe() {
        String ns = node.path("metadata").path("namespace").asText("");
        String n = name().isEmpty() ? "<unnamed>" : name();
        return (kind().isEmpty() ? "object" : kind()) + " " + (ns.isEmpty() ? n : ns + "/" + n);
    }

    /** The folder of the file this document came from, to resolve relative paths against. */
    public Path fileDir() {
        Path parent = Path.of(file).toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    /**
     * The line {@code field} (a path such as {@code spec.ports[0].port}) was written on; where it is
     * missing, the line of its nearest written parent; the document's own line when none is known.
     */
    public int lineOf(String field) {
        return lines.of(node, field, line);
    }

    /** A part of this document as a document of its own, such as an inline inventory object. */
    public Document part(String field, JsonNode part) {
        return new Document(file, lineOf(field), part, lines);
    }

    /** An error about {@code field} of this document, on the line of that field. */
    public InputException error(String field, String expected) {
        return new InputException(file, lineOf(field), describe(), field, expected);
    }
}
