package io.microseg.input;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The characters of an input file, decoded strictly: UTF-8 with or without a byte order mark, or
 * UTF-16 (little or big endian) with one, which is what Windows PowerShell's {@code >} writes.
 * Anything else is an {@link InputException} naming the problem and its byte offset: bytes that are
 * not UTF-8 (Latin-1 or Windows-1252 text), a NUL byte (a binary file, or UTF-16 without a byte order
 * mark), UTF-32. Errors are thrown from {@link #read}, through the parser reading from it.
 *
 * <p>Lines may be limited to {@code maxLine} characters: a long line is refused as soon as it is
 * longer, before a YAML scanner spends time quadratic in its length on it.
 */
final class DecodingReader extends Reader {
    private static final int BUFFER = 1 << 16;

    private final String file;
    private final InputStream in;
    private final int maxLine;
    private final ByteBuffer bytes = ByteBuffer.allocate(BUFFER);
    private final CharBuffer chars = CharBuffer.allocate(BUFFER);
    private final CharsetDecoder decoder;
    private final boolean utf16;
    private final int bomLength;
    /** File offset of {@code bytes}' index 0. */
    private long base;
    /** How far the bytes were checked for NUL, as a file offset. */
    private long checked;
    /** Characters decoded before those now in {@code chars}, for UTF-16 byte offsets. */
    private long decodedBefore;
    private boolean eof;
    private boolean flushed;
    private int line = 1;
    private int lineLength;
    private char previous;

    /** Reads {@code in} (closed with this reader); {@code maxLine} 0 for no limit. */
    DecodingReader(String file, InputStream in, int maxLine) throws IOException {
        this.file = file;
        this.in = in;
        this.maxLine = maxLine;
        bytes.flip();
        while (!eof && bytes.remaining() < 4) fill();
        Charset charset = StandardCharsets.UTF_8;
        int bom = 0;
        if (startsWith(0x00, 0x00, 0xFE, 0xFF) || startsWith(0xFF, 0xFE, 0x00, 0x00)) {
            throw refused("a UTF-32 byte order mark at byte offset 0: save the file as UTF-8");
        } else if (startsWith(0xEF, 0xBB, 0xBF)) {
            bom = 3;
        } else if (startsWith(0xFE, 0xFF)) {
            charset = StandardCharsets.UTF_16BE;
            bom = 2;
        } else if (startsWith(0xFF, 0xFE)) {
            charset = StandardCharsets.UTF_16LE;
            bom = 2;
        }
        bytes.position(bom);
        checked = bom;
        bomLength = bom;
        utf16 = charset != StandardCharsets.UTF_8;
        decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        chars.flip();
    }

    private boolean startsWith(int... signature) {
        if (bytes.remaining() < signature.length) return false;
        for (int i = 0; i < signature.length; i++) {
            if ((bytes.get(i) & 0xFF) != signature[i]) return false;
        }
        return true;
    }

    /** Reads more bytes after those not yet decoded. */
    private void fill() throws IOException {
        base += bytes.position();
        bytes.compact();
        int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
        if (n < 0) eof = true;
        else bytes.position(bytes.position() + n);
        bytes.flip();
    }

    @Override
    public int read(char[] into, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (!chars.hasRemaining()) {
            if (flushed) return -1;
            decode();
        }
        int n = Math.min(len, chars.remaining());
        int start = chars.position();
        chars.get(into, off, n);
        for (int i = 0; i < n; i++) count(into[off + i], start + i);
        return n;
    }

    private void decode() throws IOException {
        decodedBefore += chars.position();
        chars.clear();
        if (!eof && bytes.remaining() < BUFFER / 2) fill();
        if (!utf16) checkNul();
        CoderResult result = decoder.decode(bytes, chars, eof);
        if (result.isError()) {
            chars.flip();
            throw malformed(base + bytes.position(), result.length());
        }
        if (eof && !bytes.hasRemaining()) {
            decoder.flush(chars);
            flushed = true;
        }
        chars.flip();
    }

    /** In UTF-8 a NUL character is a 0 byte; no text file holds one. */
    private void checkNul() {
        for (int i = (int) Math.max(bytes.position(), checked - base); i < bytes.limit(); i++) {
            if (bytes.get(i) == 0) throw nul(base + i);
        }
        checked = base + bytes.limit();
    }

    private void count(char c, int index) {
        if (c == '\n') {
            if (previous != '\r') line++;
            lineLength = 0;
        } else if (c == '\r') {
            line++;
            lineLength = 0;
        } else if (c == 0) {
            // In UTF-16 every character is two bytes (surrogates are two characters of two bytes).
            throw nul(bomLength + 2 * (decodedBefore + index));
        } else if (maxLine > 0 && ++lineLength > maxLine) {
            throw new InputException(file, line, null, null, "expected lines of at most " + maxLine + " characters,"
                    + " found a longer one (JSON on one line? name JSON files *.json; long text fits in a | block over several lines)");
        }
        previous = c;
    }

    private InputException nul(long offset) {
        return refused("a NUL byte at byte offset " + offset + ": a binary file, or UTF-16 without a byte order mark?");
    }

    private InputException malformed(long offset, int length) {
        StringBuilder found = new StringBuilder();
        for (int i = 0; i < Math.min(length, 4); i++) {
            found.append(i == 0 ? "" : " ").append(String.format("0x%02X", bytes.get(bytes.position() + i) & 0xFF));
        }
        String problem = utf16
                ? "invalid UTF-16 at byte offset " + offset + " (" + found + "): a lone surrogate, or an odd number of bytes"
                : "bytes that are not UTF-8 at byte offset " + offset + " (" + found + "): Latin-1 or Windows-1252 text?";
        return refused(problem + " Save the file as UTF-8");
    }

    private InputException refused(String problem) {
        return new InputException(file, 0, null, null, "expected UTF-8 text (or UTF-16 with a byte order mark), found " + problem);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
