package io.microseg.input;

import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactoryBuilder;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;

import java.io.Reader;

/**
 * Jackson's YAML parser, telling what Jackson's tokens leave out and aliases depend on: the anchor of
 * the current node whatever it is (Jackson reports anchors of mappings and lists, not of scalars),
 * and whether the current key was written plain, as a {@code <<} merge key must be.
 */
final class YamlParser extends YAMLParser {
    private YamlParser(IOContext context, Factory factory, Reader reader) {
        super(context, factory.getParserFeatures(), factory.getFormatParserFeatures(), factory.loaderOptions(),
                factory.getCodec(), reader);
    }

    /** The anchor ({@code &name}) of the node whose first token is current; null when it has none. */
    String anchor() {
        return _lastEvent instanceof NodeEvent n && !(n instanceof AliasEvent) ? n.getAnchor() : null;
    }

    /** Whether the current scalar (a key, or a value) was written without quotes. */
    boolean plain() {
        return _lastEvent instanceof ScalarEvent s && s.isPlain();
    }

    /** Makes {@link YamlParser}s; only from a {@link Reader}, which is how {@link YamlDocuments} reads. */
    static final class Factory extends YAMLFactory {
        Factory(YAMLFactoryBuilder builder) {
            super(builder);
        }

        org.yaml.snakeyaml.LoaderOptions loaderOptions() {
            return _loaderOptions;
        }

        @Override
        protected YAMLParser _createParser(Reader reader, IOContext context) {
            return new YamlParser(context, this, reader);
        }
    }
}
