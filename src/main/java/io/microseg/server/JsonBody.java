package io.microseg.server;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.Collection;

/**
 * A request body that must be a JSON object with known fields only. Refusals are
 * {@link IllegalArgumentException}s whose message says what was expected; the endpoints answer them with 400.
 */
final class JsonBody {
    private JsonBody() {
    }

    /**
     * {@code text} as a JSON object. {@code example} completes "expected ..., found malformed JSON";
     * a field outside {@code fields} is refused by name ("expected only the field(s) ...", {@code fieldsText}).
     */
    static JsonObject object(String text, String example, Collection<String> fields, String fieldsText) {
        JsonObject body;
        try {
            body = new JsonObject(text);
        } catch (DecodeException e) {
            throw new IllegalArgumentException("expected " + example + ", found malformed JSON");
        }
        for (String f : body.fieldNames()) {
            if (!fields.contains(f)) throw new IllegalArgumentException("expected only " + fieldsText + ", found " + f);
        }
        return body;
    }
}
