package io.microseg.compile;

import java.util.ArrayList;
import java.util.List;

/**
 * The tokens of a DRL file, as far as the code check needs them: names (Java identifiers, {@code $}
 * bindings included), string and character literals, numbers and single-character symbols, each with
 * its 1-based line and column. Comments ({@code //}, {@code /* *}{@code /}) and whitespace are
 * skipped, exactly where both the DRL parser and the Java compiler skip them, so that no code can hide
 * from the check inside what only the check takes for a comment or a string.
 *
 * <p>Two things the Java compiler reads differently from any DRL-level reading are refused rather
 * than interpreted: Unicode escapes ({@code \u0022} is a quote to javac, before comments and strings
 * are even recognised) and text blocks ({@code """}). They come out as {@link Kind#UNREADABLE} tokens,
 * as do an unterminated comment or string.
 */
public final class DrlTokens {
    private DrlTokens() {}

    public enum Kind { NAME, STRING, NUMBER, SYMBOL, UNREADABLE }

    /** One token; for {@link Kind#UNREADABLE}, {@code text} says what is wrong there. */
    public record Token(Kind kind, String text, int line, int column) {
        public boolean is(Kind k, String t) {
            return kind == k && text.equals(t);
        }

        public boolean isSymbol(String s) {
            return is(Kind.SYMBOL, s);
        }

        public boolean isName(String s) {
            return is(Kind.NAME, s);
        }
    }

    /**
     * A name as written, possibly qualified: {@code a.b.C} with any whitespace or comments between the
     * parts. {@code before} is the token just before it (null at the start), {@code after} the one just
     * after it (null at the end); a name preceded by {@code .} is a member of something computed
     * ({@code foo().bar}). {@code index} is the position of its first part among the tokens.
     */
    public record Name(int index, List<Token> parts, Token before, Token after) {
        public String text() {
            return String.join(".", parts.stream().map(Token::text).toList());
        }

        public Token first() {
            return parts.get(0);
        }

        public boolean afterDot() {
            return before != null && before.isSymbol(".");
        }
    }

    public static List<Token> of(String text) {
        return new Lexer(text).run();
    }

    /** Groups {@code NAME (. NAME)*} runs of the tokens into names. */
    public static List<Name> names(List<Token> tokens) {
        List<Name> names = new ArrayList<>();
        int i = 0;
        while (i < tokens.size()) {
            if (tokens.get(i).kind() != Kind.NAME) {
                i++;
                continue;
            }
            Token before = i > 0 ? tokens.get(i - 1) : null;
            List<Token> parts = new ArrayList<>();
            parts.add(tokens.get(i));
            int j = i + 1;
            while (j + 1 < tokens.size() && tokens.get(j).isSymbol(".") && tokens.get(j + 1).kind() == Kind.NAME) {
                parts.add(tokens.get(j + 1));
                j += 2;
            }
            names.add(new Name(i, List.copyOf(parts), before, j < tokens.size() ? tokens.get(j) : null));
            i = j;
        }
        return names;
    }

    private static final class Lexer {
        private final String s;
        private final List<Token> out = new ArrayList<>();
        private int i;
        private int line = 1;
        private int lineStart;

        Lexer(String s) {
            this.s = s;
        }

        List<Token> run() {
            int escape = unicodeEscape();
            if (escape >= 0) {
                // javac replaces them before it reads anything else: every later token could be other than it looks
                advanceTo(escape);
                out.add(new Token(Kind.UNREADABLE, "a Unicode escape (\\u): the Java compiler reads it before comments and strings, "
                        + "so it can hide code; write the character itself", line, escape - lineStart + 1));
                return out;
            }
            while (i < s.length()) {
                char c = s.charAt(i);
                int col = i - lineStart + 1;
                int ln = line;
                if (c == '\n') {
                    i++;
                    line++;
                    lineStart = i;
                } else if (Character.isWhitespace(c)) {
                    i++;
                } else if (s.startsWith("//", i)) {
                    while (i < s.length() && s.charAt(i) != '\n' && s.charAt(i) != '\r') i++;
                } else if (s.startsWith("/*", i)) {
                    int end = s.indexOf("*/", i + 2);
                    if (end < 0) {
                        out.add(new Token(Kind.UNREADABLE, "a comment that is never closed (expected */)", ln, col));
                        return out;
                    }
                    advanceTo(end + 2);
                } else if (s.startsWith("\"\"\"", i)) {
                    out.add(new Token(Kind.UNREADABLE, "a text block (\"\"\"): write an ordinary string literal", ln, col));
                    return out;
                } else if (c == '"' || c == '\'') {
                    int end = literalEnd(c);
                    if (end < 0) {
                        out.add(new Token(Kind.UNREADABLE, "a string that is never closed (expected " + c + " on the same line)", ln, col));
                        return out;
                    }
                    out.add(new Token(Kind.STRING, s.substring(i + 1, end), ln, col));
                    i = end + 1;
                } else if (Character.isJavaIdentifierStart(c)) {
                    int start = i;
                    while (i < s.length() && Character.isJavaIdentifierPart(s.charAt(i))) i++;
                    out.add(new Token(Kind.NAME, s.substring(start, i), ln, col));
                } else if (Character.isDigit(c)) {
                    int start = i;
                    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_'
                            || (s.charAt(i) == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))))) i++;
                    out.add(new Token(Kind.NUMBER, s.substring(start, i), ln, col));
                } else {
                    out.add(new Token(Kind.SYMBOL, String.valueOf(c), ln, col));
                    i++;
                }
            }
            return out;
        }

        /** The index of the closing quote of the literal opened at {@code i}, or -1; a literal does not span lines. */
        private int literalEnd(char quote) {
            for (int j = i + 1; j < s.length(); j++) {
                char c = s.charAt(j);
                if (c == '\\') j++;
                else if (c == quote) return j;
                else if (c == '\n' || c == '\r') return -1;
            }
            return -1;
        }

        /**
         * The first Unicode escape as javac sees one: a backslash preceded by an even number of
         * backslashes, then one or more {@code u}, then anything (javac insists on four hex digits, and
         * anything else is an error there anyway).
         */
        private int unicodeEscape() {
            for (int j = 0; j < s.length() - 1; j++) {
                if (s.charAt(j) != '\\') continue;
                int run = 0;
                for (int k = j - 1; k >= 0 && s.charAt(k) == '\\'; k--) run++;
                if (run % 2 == 0 && s.charAt(j + 1) == 'u') return j;
            }
            return -1;
        }

        private void advanceTo(int end) {
            for (; i < end; i++) {
                if (s.charAt(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
        }
    }
}
