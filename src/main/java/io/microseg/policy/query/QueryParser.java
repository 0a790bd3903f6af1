package io.microseg.policy.query;

import io.microseg.net.Addresses;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Recursive descent over the query text. It scans as it parses, with no separate lexer, because
 * what makes a token depends on where it stands: a key stops at '=', a value keeps ':' and '*'.
 *
 * <pre>
 *   expr       := and (OR and)*
 *   and        := unary (AND unary)*
 *   unary      := NOT unary | '(' expr ')' | '*' | comparison
 *   comparison := key ('=' | '!=' | CONTAINS | STARTS WITH) value
 *               | [ADDRESS | IP] IN SUBNET cidr
 * </pre>
 *
 * Keywords are case-insensitive and must stand alone ({@code ANDROID} is a key, not AND). AND, OR
 * and NOT are reserved: a label key spelled that way must be quoted.
 */
final class QueryParser {
    static final String QUERY = "a query (use * to select everything)";
    static final String CONDITION = "a condition such as key = value";
    static final String OPERATOR = "an operator (=, !=, contains, starts with, in subnet)";
    static final String VALUE = "a value";
    static final String CLOSE = "')'";
    static final String CLOSE_OR_MORE = "AND, OR or ')'";
    static final String END = "AND, OR or the end of the query";
    static final String QUOTE = "a closing quote";
    static final String CIDR = "a CIDR such as 10.0.0.0/8";
    static final String WITH = "with (as in \"name starts with web\")";
    static final String SUBNET = "subnet (as in \"address in subnet 10.0.0.0/8\")";
    static final String SUBNET_KEY = "address or ip before in subnet (only addresses are in subnets)";
    static final String EMPTY_KEY = "a label key between the quotes";
    static final String TOO_DEEP = "at most " + QueryParser.MAX_DEPTH + " nested parentheses or NOTs";

    // Recursion depth bound, so that a pathological query is an error and not a StackOverflowError.
    static final int MAX_DEPTH = 100;

    private final String src;
    private int pos;
    private int depth;

    private QueryParser(String src) {
        this.src = src;
    }

    static Query parse(String text) {
        QueryParser p = new QueryParser(text == null ? "" : text);
        p.skipSpaces();
        if (p.atEnd()) throw p.error(p.pos, QUERY);
        Expr e = p.expr();
        p.skipSpaces();
        if (!p.atEnd()) throw p.error(p.pos, END);
        return e;
    }

    private Expr expr() {
        List<Expr> operands = new ArrayList<>();
        operands.add(and());
        while (word("or")) operands.add(and());
        return operands.size() == 1 ? operands.get(0) : new Expr.Or(operands);
    }

    private Expr and() {
        List<Expr> operands = new ArrayList<>();
        operands.add(unary());
        while (word("and")) operands.add(unary());
        return operands.size() == 1 ? operands.get(0) : new Expr.And(operands);
    }

    private Expr unary() {
        skipSpaces();
        if (atEnd()) throw error(pos, CONDITION);
        if (++depth > MAX_DEPTH) throw error(pos, TOO_DEEP);
        try {
            if (word("not")) return new Expr.Not(unary());
            if (peek() == '(') {
                pos++;
                Expr inner = expr();
                skipSpaces();
                if (atEnd()) throw error(pos, CLOSE);
                if (peek() != ')') throw error(pos, CLOSE_OR_MORE);
                pos++;
                return inner;
            }
            if (peek() == '*') {
                pos++;
                return new Expr.All();
            }
            return comparison();
        } finally {
            depth--;
        }
    }

    private Expr comparison() {
        int keyAt = pos;
        if (word("in")) {
            if (word("subnet")) return subnet();
            pos = keyAt; // a label that happens to be called "in"
        }
        String key = key();
        skipSpaces();
        if (src.startsWith("!=", pos)) {
            pos += 2;
            return new Expr.Compare(key, Expr.Operator.NOT_EQUALS, value(VALUE));
        }
        if (!atEnd() && peek() == '=') {
            pos++;
            return new Expr.Compare(key, Expr.Operator.EQUALS, value(VALUE));
        }
        if (word("contains")) return new Expr.Compare(key, Expr.Operator.CONTAINS, value(VALUE));
        if (word("starts")) {
            if (!word("with")) throw error(pos, WITH);
            return new Expr.Compare(key, Expr.Operator.STARTS_WITH, value(VALUE));
        }
        if (word("in")) {
            if (!word("subnet")) throw error(pos, SUBNET);
            if (!key.equalsIgnoreCase("address") && !key.equalsIgnoreCase("ip")) throw error(keyAt, SUBNET_KEY);
            return subnet();
        }
        throw error(pos, OPERATOR);
    }

    private Expr subnet() {
        skipSpaces();
        int at = pos;
        String cidr = value(CIDR);
        if (!isCidr(cidr)) throw error(at, CIDR);
        return new Expr.InSubnet(cidr);
    }

    private String key() {
        int at = pos;
        if (isQuote(peek())) {
            String key = quoted();
            if (key.isEmpty()) throw error(at, EMPTY_KEY);
            return key;
        }
        while (!atEnd() && isKeyChar(peek())) pos++;
        String key = src.substring(at, pos);
        if (key.isEmpty() || isReserved(key)) throw error(at, CONDITION);
        return key;
    }

    private String value(String expected) {
        skipSpaces();
        int at = pos;
        if (atEnd() || !startsBareValue(peek()) && !isQuote(peek())) throw error(at, expected);
        if (isQuote(peek())) return quoted();
        while (!atEnd() && continuesBareValue(peek())) pos++;
        return src.substring(at, pos);
    }

    // No escapes inside quotes: a value holding one kind of quote is written inside the other kind.
    private String quoted() {
        char quote = peek();
        int close = src.indexOf(quote, pos + 1);
        if (close < 0) throw error(src.length(), QUOTE);
        String s = src.substring(pos + 1, close);
        pos = close + 1;
        return s;
    }

    /** Consumes {@code w} (case-insensitive, after any spaces) when it stands alone as a word. */
    private boolean word(String w) {
        skipSpaces();
        int end = pos + w.length();
        if (!src.regionMatches(true, pos, w, 0, w.length())) return false;
        if (end < src.length() && isKeyChar(src.charAt(end))) return false;
        pos = end;
        return true;
    }

    private void skipSpaces() {
        while (!atEnd() && Character.isWhitespace(peek())) pos++;
    }

    private boolean atEnd() {
        return pos >= src.length();
    }

    private char peek() {
        return src.charAt(pos);
    }

    private QueryException error(int at, String expected) {
        return new QueryException(src, at, expected);
    }

    private static boolean isKeyChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.' || c == '/';
    }

    private static boolean isQuote(char c) {
        return c == '"' || c == '\'';
    }

    private static boolean isReserved(String word) {
        String w = word.toLowerCase(Locale.ROOT);
        return w.equals("and") || w.equals("or") || w.equals("not");
    }

    // A bare value may not start with '=' or '!' so that "k == v" and "k =! v" are errors, not the
    // values "=" and "!"; after its first character it runs to whitespace or ')'.
    private static boolean startsBareValue(char c) {
        return continuesBareValue(c) && c != '(' && c != '=' && c != '!' && !isQuote(c);
    }

    private static boolean continuesBareValue(char c) {
        return !Character.isWhitespace(c) && c != ')';
    }

    /** A key as a query writes it: bare when it reads back as the same key, quoted otherwise. */
    static String renderKey(String key) {
        boolean bare = !key.isEmpty() && !isReserved(key) && key.chars().allMatch(c -> isKeyChar((char) c));
        return bare ? key : quote(key);
    }

    /** A value as a query writes it: bare when it reads back as the same value, quoted otherwise. */
    static String renderValue(String value) {
        boolean bare = !value.isEmpty() && startsBareValue(value.charAt(0))
                && value.chars().allMatch(c -> continuesBareValue((char) c));
        return bare ? value : quote(value);
    }

    private static String quote(String s) {
        return s.indexOf('"') < 0 ? '"' + s + '"' : "'" + s + "'";
    }

    /** "10.0.0.0/8", "fd00::/8": an address literal, a slash and a prefix length that fits the family. */
    static boolean isCidr(String s) {
        if (s == null) return false;
        int slash = s.indexOf('/');
        if (slash < 0 || s.chars().anyMatch(Character::isWhitespace)) return false;
        String address = s.substring(0, slash);
        String bits = s.substring(slash + 1);
        if (!bits.matches("\\d{1,3}")) return false;
        // Checked here, before Addresses.parse, so that a mistyped IPv4 address is never sent to DNS.
        if (!address.contains(":") && !isIpv4(address)) return false;
        Optional<java.net.InetAddress> parsed = Addresses.parse(address);
        return parsed.isPresent() && Integer.parseInt(bits) <= parsed.get().getAddress().length * 8;
    }

    private static boolean isIpv4(String s) {
        String[] octets = s.split("\\.", -1);
        if (octets.length != 4) return false;
        for (String o : octets) {
            if (!o.matches("\\d{1,3}") || Integer.parseInt(o) > 255) return false;
        }
        return true;
    }
}
