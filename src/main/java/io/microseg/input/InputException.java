package io.microseg.input;

/**
 * Bad input, reported as one line that names where it is (file and line), what it is (the object or
 * policy), the field, and what was expected. The command line prints the message and exits with 2.
 */
public final class InputException extends RuntimeException {
    private final String file;
    private final int line;
    private final String object;
    private final String field;
    private final String expected;

    public InputException(String file, int line, String object, String field, String expected) {
        super(format(file, line, object, field, expected));
        this.file = file;
        this.line = line;
        this.object = object;
        this.field = field;
        this.expected = expected;
    }

    private static String format(String file, int line, String object, String field, String expected) {
        StringBuilder s = new StringBuilder(file == null ? "<input>" : file);
        if (line > 0) s.append(':').append(line);
        s.append(": ");
        if (object != null) s.append(object).append(": ");
        if (field != null) s.append("field ").append(field).append(": ");
        s.append(expected);
        return s.toString();
    }

    public String file() { return file; }
    public int line() { return line; }
    public String object() { return object; }
    public String field() { return field; }
    public String expected() { return expected; }
}
