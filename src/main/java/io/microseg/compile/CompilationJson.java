package io.microseg.compile;

import io.microseg.controlplane.Codec;
import io.microseg.controlplane.CompiledRule;
import io.microseg.controlplane.AddressSet;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.microseg.facts.Warning;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The compile JSON, the contract other tools read. Field names are fixed:
 * {@code {"rules":[{id,workload,direction,action,protocol,ports,peerSet,[localSet,]rule,policy,rank,priority[,enforcement][,afterDnat]}],
 * "sets":[{id,description,members}],"warnings":[{policy,message}]}}; {@code localSet} only when the
 * rule has one, {@code enforcement} ({@code AUDIT}) only for a rule of an audited workspace, {@code afterDnat}
 * ({@code true}) only for an EGRESS rule judged after the client node's DNAT (a NetworkPolicy's). A set member is an address or a CIDR (an interval of addresses in no inventory).
 */
public final class CompilationJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** One element of a streamed document: no flush after each (a million rules). */
    private static final ObjectWriter ELEMENT = JSON.writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);

    private CompilationJson() {}

    public static String write(Compilation c) {
        try {
            return JSON.writeValueAsString(root(c));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes the JSON to {@code out} (not closed) as it is produced, one rule, set and warning at a
     * time (the same text as {@link #write(Compilation)}): a large compilation's rules never exist as
     * one tree of maps, nor all at once.
     */
    public static void write(Compilation c, Writer out) {
        try (JsonGenerator g = JSON.getFactory().createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeFieldName("rules");
            g.writeStartArray();
            // one workload's rules made at a time: a large compilation's rules never exist all at once
            for (WorkloadRules w : c.workloads().values()) {
                for (CompiledRule r : w.rules()) ELEMENT.writeValue(g, rule(r));
            }
            g.writeEndArray();
            g.writeFieldName("sets");
            g.writeStartArray();
            for (AddressSet s : c.sets()) ELEMENT.writeValue(g, set(s));
            g.writeEndArray();
            g.writeFieldName("warnings");
            g.writeStartArray();
            for (Warning w : c.warnings()) ELEMENT.writeValue(g, warning(w));
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> root(Compilation c) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("rules", c.rules().stream().map(CompilationJson::rule).toList());
        root.put("sets", c.sets().stream().map(CompilationJson::set).toList());
        root.put("warnings", c.warnings().stream().map(CompilationJson::warning).toList());
        return root;
    }

    /** A rule as the compile JSON and the API show it (without its justifications), in the agents' encoding. */
    public static Map<String, Object> rule(CompiledRule r) {
        return Codec.rule(r);
    }

    public static Map<String, Object> set(AddressSet s) {
        return Codec.set(s);
    }

    public static Map<String, Object> warning(Warning w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", w.policy());
        m.put("message", w.message());
        return m;
    }
}
