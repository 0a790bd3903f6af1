package io.microseg.input;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/** One YAML document (or one item of a {@code kind: List}) and where it was read from. */
public record Document(String file, int line, JsonNode node) {
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

    /** An error about {@code field} of this document. */
    public InputException error(String field, String expected) {
        return new InputException(file, line, describe(), field, expected);
    }
}
