package io.microseg.server;

import io.vertx.core.http.HttpServerRequest;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What every request must satisfy before it is routed, so that no handler (nor the router's own path
 * matching) ever sees it otherwise. {@link #check} names the first rule broken:
 * <ul>
 *   <li>a method this API knows (others get 501, and one metric label between them);</li>
 *   <li>no {@code Transfer-Encoding}: the API takes no streamed bodies, so a request framed two ways
 *       ({@code Content-Length} and {@code Transfer-Encoding}, which the HTTP decoder would resolve in favour of
 *       the latter while a proxy in front may not) has nothing to smuggle; 400, and the connection is closed;</li>
 *   <li>at most one {@code Authorization} header (400): which one counts must not depend on who reads it;</li>
 *   <li>well-formed percent escapes in the path and query (400 rather than a decoder's exception);</li>
 *   <li>without authentication (loopback only), a loopback {@code Host} (403): a web page whose name an
 *       attacker points at 127.0.0.1 (DNS rebinding) still sends its own name, and is refused;</li>
 *   <li>an {@code Origin} header, when there is one, naming this server (the scheme, then exactly the {@code Host})
 *       (403), and no {@code Sec-Fetch-Site: cross-site} on {@code /v1} (403): a page of another site may neither
 *       read nor write through a signed-in browser, whatever its cookies; agents and command-line clients send neither;</li>
 *   <li>state-changing methods only with {@code Content-Type: application/json} or {@code X-Microseg-Request}
 *       (415): a browser sends neither cross-site without a CORS preflight, which this server never grants.</li>
 * </ul>
 */
final class RequestGate {
    /** A request refused before routing: the status, the error message, and whether the connection must close. */
    record Refusal(int status, String message, boolean close) {}

    static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
    private static final Set<String> STATE_CHANGING = Set.of("POST", "PUT", "DELETE", "PATCH");
    static final String CSRF_HEADER = "X-Microseg-Request";
    /** A '%' not followed by two hex digits. */
    private static final Pattern BAD_ESCAPE = Pattern.compile("%(?![0-9A-Fa-f]{2})");
    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern PORT = Pattern.compile(":\\d{1,5}");

    private final boolean loopbackHostOnly;

    /** @param loopbackHostOnly whether the server runs without authentication (then only loopback Host names are served) */
    RequestGate(boolean loopbackHostOnly) {
        this.loopbackHostOnly = loopbackHostOnly;
    }

    /** The first rule the request breaks, or null. */
    Refusal check(HttpServerRequest request) {
        String method = request.method().name();
        if (!KNOWN_METHODS.contains(method)) {
            return new Refusal(501, "unknown method: expected one of " + String.join(", ", KNOWN_METHODS.stream().sorted().toList()), false);
        }
        if (request.headers().contains("Transfer-Encoding")) {
            return new Refusal(400, "Transfer-Encoding is not accepted on requests: send a body with Content-Length only", true);
        }
        List<String> authorization = request.headers().getAll("Authorization");
        if (authorization.size() > 1) {
            return new Refusal(400, "expected at most one Authorization header, found " + authorization.size(), true);
        }
        String uri = request.uri();
        if (BAD_ESCAPE.matcher(uri).find()) {
            return new Refusal(400, "malformed percent-escape in the request target: expected % followed by two hex digits", false);
        }
        if (loopbackHostOnly && !isLoopbackHost(request.headers().get("Host"))) {
            return new Refusal(403, "this server runs without authentication and answers loopback names only "
                    + "(Host: localhost, 127.0.0.1 or [::1], with the port)", false);
        }
        String origin = request.headers().get("Origin");
        if (origin != null && !sameOrigin(origin, request.headers().get("Host"))) {
            return new Refusal(403, "cross-site request refused: Origin " + ClientText.printable(origin, 100) + " is not this server", false);
        }
        if ("cross-site".equalsIgnoreCase(request.headers().get("Sec-Fetch-Site")) && request.path() != null && request.path().startsWith("/v1/")) {
            return new Refusal(403, "cross-site request refused: the API answers this server's own pages only (Sec-Fetch-Site: cross-site)", false);
        }
        if (STATE_CHANGING.contains(method) && !isJson(request.headers().get("Content-Type")) && request.headers().get(CSRF_HEADER) == null) {
            return new Refusal(415, "expected Content-Type: application/json (or the header " + CSRF_HEADER + ": 1) on " + method
                    + " requests", false);
        }
        return null;
    }

    /** Whether {@code origin} is {@code http://HOST} or {@code https://HOST} for the request's own {@code Host} (case aside). */
    static boolean sameOrigin(String origin, String host) {
        if (host == null) return false;
        String o = origin.trim().toLowerCase(Locale.ROOT);
        String h = host.trim().toLowerCase(Locale.ROOT);
        return o.equals("http://" + h) || o.equals("https://" + h);
    }

    /** {@code localhost}, {@code 127.x.y.z} or {@code [::1]}, each with an optional port; no name is resolved. */
    static boolean isLoopbackHost(String host) {
        if (host == null) return false;
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0) return false;
            String rest = h.substring(end + 1);
            return (rest.isEmpty() || PORT.matcher(rest).matches()) && isIpv6Loopback(h.substring(1, end));
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            if (!PORT.matcher(h.substring(colon)).matches()) return false;
            h = h.substring(0, colon);
        }
        if (h.equals("localhost")) return true;
        if (!IPV4_LOOPBACK.matcher(h).matches()) return false;
        for (String part : h.split("\\.")) if (Integer.parseInt(part) > 255) return false;
        return true;
    }

    private static boolean isIpv6Loopback(String literal) {
        if (!literal.matches("[0-9a-f:]+")) return false; // a literal only: never a name to resolve
        try {
            return java.net.InetAddress.getByName(literal).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) return false;
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        return type.equals("application/json");
    }
}
