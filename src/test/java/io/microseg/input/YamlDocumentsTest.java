package io.microseg.input;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class YamlDocumentsTest {
    @TempDir
    Path dir;

    private static List<Document> yaml(String text) {
        return YamlDocuments.parse("in.yaml", text);
    }

    private static InputException refused(String file, byte[] bytes) {
        InputException e = catchThrowableOfType(InputException.class, () -> YamlDocuments.parse(file, bytes));
        assertThat(e).as("reading %s should fail", file).isNotNull();
        return e;
    }

    private static InputException refused(String text) {
        return refused("in.yaml", text.getBytes(StandardCharsets.UTF_8));
    }

    @Nested
    class AnchorsAndAliases {
        @Test
        void aScalarAliasIsTheAnchoredValueNotItsName() {
            JsonNode labels = yaml("metadata:\n  labels: {app: &a aliasapp, copy: *a}\n").get(0).node().path("metadata").path("labels");
            assertThat(labels.path("copy").asText()).isEqualTo("aliasapp");
        }

        @Test
        void aMappingAliasIsTheWholeMapping() {
            List<Document> docs = yaml("""
                    apiVersion: v1
                    kind: List
                    items:
                    - kind: Pod
                      metadata: {name: a, labels: &l {app: web, tier: front}}
                    - kind: Pod
                      metadata: {name: b, labels: *l}
                    """);
            assertThat(docs).hasSize(2);
            assertThat(docs.get(1).node().path("metadata").path("labels").toString()).isEqualTo("{\"app\":\"web\",\"tier\":\"front\"}");
        }

        @Test
        void aMergeKeyMergesWhatTheMappingDoesNotSetItself() {
            JsonNode node = yaml("""
                    base: &base {app: web, tier: front, team: a}
                    more: &more {team: b, zone: z1}
                    labels:
                      tier: back
                      <<: [*base, *more]
                    """).get(0).node();
            assertThat(node.path("labels").toString())
                    .isEqualTo("{\"tier\":\"back\",\"app\":\"web\",\"team\":\"a\",\"zone\":\"z1\"}");
        }

        @Test
        void aQuotedMergeKeyIsAnOrdinaryKey() {
            JsonNode node = yaml("base: &b {x: 1}\nm: {\"<<\": *b}\n").get(0).node();
            assertThat(node.path("m").path("<<").path("x").asInt()).isEqualTo(1);
        }

        @Test
        void anAliasWithoutAnAnchorBeforeIt() {
            InputException e = refused("a: *nowhere\n");
            assertThat(e.getMessage()).isEqualTo("in.yaml:1: field a: expected an alias to an anchor above it in the same"
                    + " document, found *nowhere with no &nowhere before it");
        }

        @Test
        void anchorsDoNotReachIntoTheNextDocument() {
            InputException e = refused("a: &x 1\n---\nb: *x\n");
            assertThat(e.line()).isEqualTo(3);
        }

        @Test
        void aBillionLaughsIsRefusedAtTheAliasThatCrossesTheBound() {
            StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
            for (char c = 'b'; c <= 'i'; c++) {
                char p = (char) (c - 1);
                bomb.append(c).append(": &").append(c).append(" [");
                for (int i = 0; i < 9; i++) bomb.append(i == 0 ? "" : ",").append('*').append(p);
                bomb.append("]\n");
            }
            InputException e = refused(bomb.toString());
            assertThat(e.expected()).contains("at most " + InputLimits.MAX_OBJECT_VALUES + " values in one object")
                    .contains("alias bomb");
            // 9^7 values is the first level over a million: line 7 (g) crosses the bound.
            assertThat(e.line()).isEqualTo(7);
        }

        @Test
        void manyAliasesOfSmallNodesAreFine() {
            StringBuilder yaml = new StringBuilder("x: &x {app: web}\nl:\n");
            for (int i = 0; i < 10_000; i++) yaml.append("- *x\n");
            assertThat(yaml(yaml.toString()).get(0).node().path("l").size()).isEqualTo(10_000);
        }
    }

    @Nested
    class DuplicateKeys {
        @Test
        void aKeyTwiceInAMappingNamesBothLines() {
            InputException e = refused("""
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: a
                      labels:
                        app: web
                        tier: front
                        app: db
                    """);
            assertThat(e.getMessage()).isEqualTo("in.yaml:8: field metadata.labels.app: expected each key once in a mapping,"
                    + " found app on lines 6 and 8");
        }

        @Test
        void inJsonToo() {
            InputException e = refused("in.json", "{\"kind\": \"Pod\",\n \"kind\": \"Service\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(e.getMessage()).isEqualTo("in.json:2: field kind: expected each key once in a mapping, found kind on lines 1 and 2");
        }

        @Test
        void theSameKeyInTwoMappingsIsNoDuplicate() {
            assertThat(yaml("a: {x: 1}\nb: {x: 2}\n")).hasSize(1);
        }
    }

    @Nested
    class Lists {
        private static final String LIST = """
                apiVersion: v1
                items:
                - apiVersion: v1
                  kind: Pod
                  metadata: {name: a, namespace: shop}
                - apiVersion: v1
                  kind: Pod
                  metadata:
                    name: b
                    namespace: shop
                  spec:
                    containers:
                    - name: web
                      ports:
                      - containerPort: 8080
                kind: List
                metadata:
                  resourceVersion: ""
                """;

        @Test
        void itemsAreDocumentsOnTheirOwnLinesWhateverTheOrderOfKindAndItems() {
            List<Document> docs = yaml(LIST);
            assertThat(docs).extracting(Document::name).containsExactly("a", "b");
            assertThat(docs).extracting(Document::line).containsExactly(3, 6);
        }

        @Test
        void aFieldInsideAnItemHasItsOwnLine() {
            Document b = yaml(LIST).get(1);
            assertThat(b.lineOf("spec.containers[0].ports[0].containerPort")).isEqualTo(15);
            assertThat(b.lineOf("metadata.namespace")).isEqualTo(10);
            assertThat(b.lineOf("metadata.labels")).as("missing: its parent's line").isEqualTo(8);
            assertThat(b.error("spec.containers[0].ports[0].containerPort", "x").getMessage())
                    .isEqualTo("in.yaml:15: Pod shop/b: field spec.containers[0].ports[0].containerPort: x");
        }

        @Test
        void keysWithDotsAreFound() {
            Document d = yaml("metadata:\n  labels:\n    app: x\n    app.kubernetes.io/name: y\n").get(0);
            assertThat(d.lineOf("metadata.labels.app.kubernetes.io/name")).isEqualTo(4);
            assertThat(d.lineOf("metadata.labels[\"app.kubernetes.io/name\"]")).isEqualTo(4);
        }

        @Test
        void theApiServersListKindsAreListsToo() {
            assertThat(yaml("kind: PodList\napiVersion: v1\nitems: [{kind: Pod}, {kind: Pod}]\n")).hasSize(2);
        }

        @Test
        void itemsUnderAnotherKindAreAnError() {
            InputException e = refused("items: [{kind: Pod}]\nkind: Pod\n");
            assertThat(e.getMessage()).isEqualTo("in.yaml:2: Pod <unnamed>: field kind: expected kind List (or PodList,"
                    + " ServiceList...) for a document with a list of items, found kind Pod");
        }

        @Test
        void anEmptyListIsNoDocument() {
            assertThat(yaml("apiVersion: v1\nitems: []\nkind: List\n")).isEmpty();
            assertThat(yaml("apiVersion: v1\nkind: List\n")).isEmpty();
        }

        @Test
        void emptyDocumentsAreSkipped() {
            assertThat(yaml("---\na: 1\n---\n---\n# nothing\n")).hasSize(1);
        }

        @Test
        void aDocumentThatIsNoMapping() {
            assertThat(refused("- a\n- b\n").getMessage()).isEqualTo("in.yaml:1: expected a mapping with apiVersion and kind, found a list");
        }
    }

    @Nested
    class Json {
        @Test
        void aSingleObjectAListAndConcatenatedObjectsAreRead() throws IOException {
            Files.writeString(dir.resolve("pod.json"), """
                    {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": {"name": "a", "namespace": "shop"}
                    }
                    """);
            Files.writeString(dir.resolve("list.json"), """
                    {
                        "apiVersion": "v1",
                        "items": [
                            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "namespace": "shop"}},
                            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c", "namespace": "shop"}}
                        ],
                        "kind": "List",
                        "metadata": {"resourceVersion": ""}
                    }
                    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d", "namespace": "shop"}}
                    """);
            Files.writeString(dir.resolve("notes.txt"), "not read");
            List<Document> docs = YamlDocuments.readFolder(dir);
            assertThat(docs).extracting(Document::name).containsExactly("b", "c", "d", "a"); // list.json before pod.json
            assertThat(docs).extracting(Document::line).containsExactly(4, 5, 10, 1);
        }

        @Test
        void tabsAndOneLongLineAreFineInJson() {
            StringBuilder json = new StringBuilder("{\t\"kind\":\t\"List\", \"items\": [");
            for (int i = 0; i < 20_000; i++) json.append(i == 0 ? "" : ",").append("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p").append(i).append("\"}}");
            json.append("]}");
            assertThat(json.length()).isGreaterThan(InputLimits.MAX_SCALAR_CHARS / 2);
            assertThat(YamlDocuments.parse("one-line.json", json.toString())).hasSize(20_000);
        }

        @Test
        void malformedJsonNamesItsLine() {
            InputException e = refused("bad.json", "{\"kind\": \"Pod\",\n \"metadata\": {\"name\": }\n}".getBytes(StandardCharsets.UTF_8));
            assertThat(e.getMessage()).startsWith("bad.json:2: malformed JSON: ");
        }
    }

    @Nested
    class Encodings {
        private static final String POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: café, namespace: shop}\n";

        private static byte[] concat(byte[] a, byte[] b) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(a);
            out.writeBytes(b);
            return out.toByteArray();
        }

        private static String nameIn(byte[] bytes) {
            return YamlDocuments.parse("pod.yaml", bytes).get(0).name();
        }

        @Test
        void utf8WithAndWithoutByteOrderMark() {
            assertThat(nameIn(POD.getBytes(StandardCharsets.UTF_8))).isEqualTo("café");
            assertThat(nameIn(concat(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, POD.getBytes(StandardCharsets.UTF_8))))
                    .isEqualTo("café");
        }

        @Test
        void utf16WithByteOrderMarkAsWindowsPowerShellWritesIt() {
            assertThat(nameIn(concat(new byte[]{(byte) 0xFF, (byte) 0xFE}, POD.getBytes(StandardCharsets.UTF_16LE)))).isEqualTo("café");
            assertThat(nameIn(concat(new byte[]{(byte) 0xFE, (byte) 0xFF}, POD.getBytes(StandardCharsets.UTF_16BE)))).isEqualTo("café");
        }

        @Test
        void aLongUtf16FileKeepsItsLinesAndCharacters() {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 5_000; i++) text.append("---\napiVersion: v1\nkind: Pod\nmetadata: {name: \"π-").append(i).append("\"}\n");
            List<Document> docs = YamlDocuments.parse("pods.yaml", concat(new byte[]{(byte) 0xFF, (byte) 0xFE},
                    text.toString().getBytes(StandardCharsets.UTF_16LE)));
            assertThat(docs).hasSize(5_000);
            assertThat(docs.get(4_999).name()).isEqualTo("π-4999");
            assertThat(docs.get(4_999).line()).isEqualTo(4 * 4_999 + 2);
        }

        @Test
        void latin1IsRefusedNamingTheByteOffset() {
            byte[] latin1 = POD.getBytes(StandardCharsets.ISO_8859_1);
            InputException e = refused("pod.yaml", latin1);
            int offset = POD.indexOf('é');
            assertThat(e.getMessage()).isEqualTo("pod.yaml: expected UTF-8 text (or UTF-16 with a byte order mark), found bytes"
                    + " that are not UTF-8 at byte offset " + offset + " (0xE9): Latin-1 or Windows-1252 text? Save the file as UTF-8");
        }

        @Test
        void anInvalidByteFarIntoALargeFileIsFoundAtItsOffset() {
            byte[] good = "# a comment\n".repeat(100_000).getBytes(StandardCharsets.UTF_8);
            byte[] bad = concat(good, new byte[]{'x', ':', ' ', (byte) 0xC3, '(', '\n'});
            assertThat(refused("big.yaml", bad).getMessage()).contains("at byte offset " + (good.length + 3) + " (0xC3)");
        }

        @Test
        void binaryIsRefusedAtItsFirstNulByte() {
            byte[] binary = {0x7F, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0};
            assertThat(refused("a.yaml", binary).getMessage()).isEqualTo("a.yaml: expected UTF-8 text (or UTF-16 with a byte"
                    + " order mark), found a NUL byte at byte offset 7: a binary file, or UTF-16 without a byte order mark?");
        }

        @Test
        void utf16WithoutByteOrderMarkIsRefused() {
            assertThat(refused("a.yaml", POD.getBytes(StandardCharsets.UTF_16LE)).getMessage())
                    .contains("a NUL byte at byte offset 1").contains("UTF-16 without a byte order mark");
        }

        @Test
        void aNulCharacterInUtf16IsRefusedAtItsByteOffset() {
            byte[] text = concat(new byte[]{(byte) 0xFF, (byte) 0xFE}, "a: b\u0000\n".getBytes(StandardCharsets.UTF_16LE));
            assertThat(refused("a.yaml", text).getMessage()).contains("a NUL byte at byte offset 10");
        }

        @Test
        void aLoneSurrogateInUtf16IsRefused() {
            byte[] text = concat(new byte[]{(byte) 0xFF, (byte) 0xFE}, new byte[]{'a', 0, ':', 0, ' ', 0, 0x00, (byte) 0xD8, 'b', 0});
            assertThat(refused("a.yaml", text).getMessage()).contains("invalid UTF-16 at byte offset 8");
        }

        @Test
        void utf32IsRefused() {
            byte[] text = concat(new byte[]{(byte) 0xFF, (byte) 0xFE, 0, 0}, "a".getBytes(Charset.forName("UTF-32LE")));
            assertThat(refused("a.yaml", text).getMessage()).contains("a UTF-32 byte order mark");
        }
    }

    @Nested
    class Limits {
        private static String scalarOf(int chars) {
            return "x".repeat(chars);
        }

        @Test
        void aTenMegabyteLineIsRefusedNamingItsLine() {
            InputException e = refused("apiVersion: v1\nkind: ConfigMap\ndata:\n  big: " + scalarOf(10_000_000) + "\n");
            assertThat(e.getMessage()).isEqualTo("in.yaml:4: expected lines of at most " + InputLimits.MAX_YAML_LINE_CHARS
                    + " characters, found a longer one (JSON on one line? name JSON files *.json; long text fits in a | block"
                    + " over several lines)");
        }

        @Test
        void aTenMegabyteBlockScalarIsRefusedNamingItsField() {
            String block = ("    " + scalarOf(96) + "\n").repeat(100_000);
            InputException e = refused("apiVersion: v1\nkind: ConfigMap\ndata:\n  big: |\n" + block + "  small: x\n");
            assertThat(e.getMessage()).startsWith("in.yaml:4: field data.big: expected a value of at most "
                    + InputLimits.MAX_SCALAR_CHARS + " characters, found one of ");
        }

        @Test
        void aTenMegabyteJsonStringIsRefused() {
            InputException e = refused("big.json", ("{\"kind\": \"ConfigMap\",\n\"data\": {\"big\": \"" + scalarOf(10_000_000) + "\"}}")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(e.getMessage()).startsWith("big.json:2: expected JSON within microseg's input limits (values of at most "
                    + InputLimits.MAX_SCALAR_CHARS + " characters");
        }

        @Test
        void valuesJustUnderTheLimitsAreRead() {
            String line = scalarOf(InputLimits.MAX_YAML_LINE_CHARS - 10);
            assertThat(yaml("a: " + line + "\n").get(0).node().path("a").asText()).hasSize(line.length());
            String block = ("  " + scalarOf(99) + "\n").repeat(InputLimits.MAX_SCALAR_CHARS / 100);
            assertThat(yaml("a: |\n" + block).get(0).node().path("a").asText().length()).isLessThanOrEqualTo(InputLimits.MAX_SCALAR_CHARS);
            String json = scalarOf(InputLimits.MAX_SCALAR_CHARS - 10);
            assertThat(YamlDocuments.parse("a.json", "{\"a\": \"" + json + "\"}").get(0).node().path("a").asText()).hasSize(json.length());
        }

        @Test
        void nestingBeyondTheLimitIsRefused() {
            String deep = "[".repeat(InputLimits.MAX_DEPTH + 5) + "]".repeat(InputLimits.MAX_DEPTH + 5);
            assertThat(refused("a: " + deep + "\n").expected()).contains("nested at most " + InputLimits.MAX_DEPTH + " deep");
        }

        @Test
        void aFileOverSnakeYamlsDefaultThreeMegabytesIsRead() {
            StringBuilder text = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
            int items = 0;
            while (text.length() < 4 * 1024 * 1024) {
                text.append("- {apiVersion: v1, kind: Pod, metadata: {name: p").append(items++)
                        .append(", namespace: shop, annotations: {note: \"").append("n".repeat(200)).append("\"}}}\n");
            }
            List<Document> docs = new ArrayList<>();
            YamlDocuments.parse("big.yaml", text.toString()).forEach(docs::add);
            assertThat(docs).hasSize(items);
        }
    }
}
