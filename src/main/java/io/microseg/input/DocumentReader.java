package io.microseg.input;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads the documents of one YAML or JSON file from a token stream and hands them on one at a time:
 * the items of a {@code kind: List} each as a document of its own, built and handed on as they are
 * read, so that memory holds one object's tree, not the file's.
 *
 * <p>Trees are built as YAML defines them, not as Jackson's tokens show them: an alias ({@code *a})
 * is the node its anchor ({@code &a}) named, a {@code <<} merge key merges the mappings it names
 * (keys written beside it win), and a key written twice in one mapping is an error naming both
 * lines. {@link InputLimits} bound scalars, nesting and the values one object stands for, aliases
 * counted at their full size, so an alias bomb is refused at the alias that crosses the bound.
 */
final class DocumentReader {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A node an anchor names, with the values it stands for, its own aliases counted in full. */
    private record Anchored(JsonNode node, long values) {}

    /** Receives the items of a list one at a time, the parser on the item's first token. */
    @FunctionalInterface
    private interface Items {
        void item(int line) throws IOException;
    }

    private final String file;
    private final JsonParser parser;
    /** The same parser when it reads YAML; null for JSON, which has no anchors. */
    private final YamlParser yaml;
    private final Map<String, Anchored> anchors = new HashMap<>();
    /** Keys and indexes from the object to the current node, for error messages. */
    private final Deque<Object> path = new ArrayDeque<>();
    private Lines lines = Lines.NONE;
    private long values;

    DocumentReader(String file, JsonParser parser) {
        this.file = file;
        this.parser = parser;
        this.yaml = parser instanceof YamlParser y ? y : null;
    }

    /** Reads every document to the end of the input. */
    void read(Consumer<Document> each) throws IOException {
        JsonToken first;
        while ((first = parser.nextToken()) != null) {
            anchors.clear(); // a YAML document's anchors are its own
            path.clear();
            int line = line();
            Lines documentLines = new Lines();
            start(documentLines);
            if (first != JsonToken.START_OBJECT) {
                JsonNode node = value(0);
                if (node.isNull()) continue; // an empty document
                throw new InputException(file, line, null, null, "expected a mapping with apiVersion and kind, found "
                        + (node.isArray() ? "a list" : Wording.found(node)));
            }
            int[] streamed = {-1};
            ObjectNode node = object(1, itemLine -> {
                if (streamed[0] < 0) streamed[0] = 0;
                Lines itemLines = new Lines();
                start(itemLines);
                path.addLast(streamed[0]++);
                JsonNode item = value(2);
                path.removeLast();
                start(documentLines);
                each.accept(new Document(file, itemLine, item, itemLines));
            });
            Document doc = new Document(file, line, node, documentLines);
            if (streamed[0] >= 0) {
                if (!isList(doc.kind())) {
                    throw doc.error("kind", "expected kind List (or PodList, ServiceList...) for a document with a list of items, found "
                            + (doc.kind().isEmpty() ? "no kind" : "kind " + doc.kind()));
                }
            } else if (isList(doc.kind())) {
                JsonNode items = node.path("items");
                if (items.isArray()) { // an alias to a list: built already
                    for (int i = 0; i < items.size(); i++) {
                        each.accept(new Document(file, doc.lineOf("items[" + i + "]"), items.get(i), documentLines));
                    }
                } else if (Wording.present(items)) {
                    throw doc.error("items", "expected a list of objects, found " + Wording.found(items));
                }
            } else {
                each.accept(doc);
            }
        }
    }

    /** {@code List}, as kubectl prints, or {@code PodList} and the like, as the API server does. */
    private static boolean isList(String kind) {
        return kind.endsWith("List");
    }

    /** Starts counting values and recording lines for a new object. */
    private void start(Lines objectLines) {
        lines = objectLines;
        values = 0;
    }

    private int line() {
        return parser.currentTokenLocation().getLineNr();
    }

    /** The node whose first token is current; its last token is current on return. */
    private JsonNode value(int depth) throws IOException {
        if (yaml != null && yaml.isCurrentAlias()) return alias(parser.getText());
        String anchor = yaml == null ? null : yaml.anchor();
        long before = values;
        count(1);
        JsonNode node = switch (parser.currentToken()) {
            case START_OBJECT -> object(depth + 1, null);
            case START_ARRAY -> array(depth + 1);
            case VALUE_STRING -> text();
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> parser.getNumberType() == JsonParser.NumberType.BIG_DECIMAL
                    ? NODES.numberNode(parser.getDecimalValue()) : NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_EMBEDDED_OBJECT -> parser.getEmbeddedObject() instanceof byte[] b ? NODES.binaryNode(b)
                    : NODES.textNode(String.valueOf(parser.getEmbeddedObject()));
            default -> NODES.nullNode();
        };
        if (anchor != null) anchors.put(anchor, new Anchored(node, values - before));
        return node;
    }

    private JsonNode text() throws IOException {
        if (parser.getTextLength() > InputLimits.MAX_SCALAR_CHARS) {
            throw error("expected a value of at most " + InputLimits.MAX_SCALAR_CHARS + " characters, found one of "
                    + parser.getTextLength());
        }
        return NODES.textNode(parser.getText());
    }

    private JsonNode alias(String name) {
        Anchored anchored = anchors.get(name);
        if (anchored == null) {
            throw error("expected an alias to an anchor above it in the same document, found *" + name + " with no &" + name + " before it");
        }
        count(anchored.values());
        return anchored.node();
    }

    private void count(long more) {
        values += more;
        if (values > InputLimits.MAX_OBJECT_VALUES) {
            throw error("expected at most " + InputLimits.MAX_OBJECT_VALUES + " values in one object, counting each alias as"
                    + " the values it stands for; aliases here stand for more (an alias bomb?)");
        }
    }

    /**
     * The mapping whose START_OBJECT is current. With {@code items}, a list under the key
     * {@code items} is not built but handed over item by item, and left out of the mapping.
     */
    private ObjectNode object(int depth, Items items) throws IOException {
        checkDepth(depth);
        ObjectNode node = NODES.objectNode();
        Map<String, Integer> keyLines = new HashMap<>();
        List<JsonNode> merges = new ArrayList<>();
        int mergeLine = 0;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            int line = line();
            boolean merge = yaml != null && key.equals("<<") && yaml.plain();
            Integer earlier = keyLines.putIfAbsent(key, line);
            path.addLast(key);
            if (earlier != null) {
                throw error("expected each key once in a mapping, found " + key + " on lines " + earlier + " and " + line);
            }
            parser.nextToken();
            if (items != null && key.equals("items") && parser.currentToken() == JsonToken.START_ARRAY
                    && !(yaml != null && yaml.isCurrentAlias())) {
                lines.field(node, key, line);
                while (parser.nextToken() != JsonToken.END_ARRAY) items.item(line());
            } else if (merge) {
                merges.add(value(depth));
                mergeLine = line;
            } else {
                node.set(key, value(depth));
                lines.field(node, key, line);
            }
            path.removeLast();
        }
        for (JsonNode merge : merges) merge(node, merge, mergeLine);
        return node;
    }

    /**
     * A {@code <<} merge key: the keys of a mapping, or of a list of mappings (earlier ones first),
     * that the mapping does not set itself.
     */
    private void merge(ObjectNode into, JsonNode from, int line) {
        List<JsonNode> sources = new ArrayList<>();
        if (from.isArray()) from.forEach(sources::add);
        else sources.add(from);
        for (JsonNode source : sources) {
            if (!source.isObject()) {
                path.addLast("<<");
                throw new InputException(file, line, null, field(), "expected a mapping or a list of mappings to merge, found "
                        + (source.isArray() ? "a list" : Wording.found(source)));
            }
            for (Map.Entry<String, JsonNode> e : source.properties()) {
                if (!into.has(e.getKey())) {
                    into.set(e.getKey(), e.getValue());
                    lines.field(into, e.getKey(), line);
                }
            }
        }
    }

    private ArrayNode array(int depth) throws IOException {
        checkDepth(depth);
        ArrayNode node = NODES.arrayNode();
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            int line = line();
            path.addLast(index++);
            node.add(value(depth));
            path.removeLast();
            lines.item(node, line);
        }
        return node;
    }

    private void checkDepth(int depth) {
        if (depth > InputLimits.MAX_DEPTH) {
            throw error("expected mappings and lists nested at most " + InputLimits.MAX_DEPTH + " deep, found deeper ones");
        }
    }

    private InputException error(String expected) {
        return new InputException(file, line(), null, field(), expected);
    }

    /** The current path as error messages name fields: {@code spec.ports[0].port}; null at the top. */
    private String field() {
        if (path.isEmpty()) return null;
        StringBuilder s = new StringBuilder();
        for (Object part : path) {
            if (part instanceof Integer i) s.append('[').append(i).append(']');
            else s.append(s.length() == 0 ? "" : ".").append(part);
        }
        return s.toString();
    }
}
