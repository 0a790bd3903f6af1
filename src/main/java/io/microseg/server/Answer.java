package io.microseg.server;

import io.vertx.core.buffer.Buffer;

/** A response computed off the event loop (its body serialized there too), sent on the request's event loop. */
record Answer(int status, String contentType, Buffer body) {
    static Answer json(int status, Object body) {
        return new Answer(status, "application/json", Json.buffer(body));
    }

    static Answer error(int status, String message) {
        return json(status, Json.error(status, message));
    }
}
