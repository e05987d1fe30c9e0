package org.closepolicy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Response header fields in the order received, with case-insensitive lookup.
 *
 * <pre>{@code
 * ResponseHeaders h = result.headers();
 * long len = h.first("content-length").map(Long::parseLong).orElse(-1L);
 * boolean closing = h.hasToken("Connection", "close");
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class ResponseHeaders {

    private static final ResponseHeaders EMPTY = new ResponseHeaders(List.of());

    private final List<Map.Entry<String, String>> fields;

    private ResponseHeaders(List<Map.Entry<String, String>> fields) {
        this.fields = fields;
    }

    /** No fields. */
    public static ResponseHeaders empty() {
        return EMPTY;
    }

    /**
     * Reads a response head from a blocking stream, byte by byte so that nothing after it is consumed:
     * the status line and fields up to and including the blank line, as ISO-8859-1 text.
     *
     * @throws IOException at EOF before the blank line (the message names what was read)
     */
    public static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("EOF in response head: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** Fields as given (name, value), in order. */
    public static ResponseHeaders of(List<Map.Entry<String, String>> fields) {
        List<Map.Entry<String, String>> copy = new ArrayList<>(fields.size());
        for (Map.Entry<String, String> e : fields) {
            copy.add(Map.entry(e.getKey(), e.getValue()));
        }
        return new ResponseHeaders(Collections.unmodifiableList(copy));
    }

    /** The first value of the field, any case of the name. */
    public Optional<String> first(String name) {
        for (Map.Entry<String, String> e : fields) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    /** Every value of the field, in order. */
    public List<String> all(String name) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : fields) {
            if (e.getKey().equalsIgnoreCase(name)) {
                out.add(e.getValue());
            }
        }
        return out;
    }

    /** Whether the field is present. */
    public boolean contains(String name) {
        return first(name).isPresent();
    }

    /**
     * Whether any value of the field holds the comma-separated token, case-insensitively (for example
     * {@code Connection: close}, {@code Transfer-Encoding: gzip, chunked}).
     */
    public boolean hasToken(String name, String token) {
        String t = token.toLowerCase(Locale.ROOT);
        for (String v : all(name)) {
            for (String part : v.split(",")) {
                if (part.trim().toLowerCase(Locale.ROOT).equals(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** All fields in order received. */
    public List<Map.Entry<String, String>> asList() {
        return fields;
    }

    /** Number of fields. */
    public int size() {
        return fields.size();
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
