package org.closepolicy.testkit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads one HTTP/1.x response of a {@link RawHttpClient}: status line, header fields, and the body framed by
 * Content-Length, chunked encoding or EOF (nothing for HEAD, 1xx, 204 and 304), skipping interim 1xx responses.
 *
 * <p>Thread-safety: stateless.
 */
final class ResponseParser {

    private ResponseParser() {
    }

    /** Reads one response (skipping 1xx interim responses) into {@code p}. */
    static void read(ResponseReader in, PartialResponse p, boolean head) throws IOException {
        while (true) {
            String line = in.readLine();
            while (line != null && line.isEmpty()) {
                line = in.readLine(); // tolerate blank lines before a status line
            }
            if (line == null) {
                return; // EOF: the caller sees the reader's eof
            }
            parseStatusLine(line, p);
            List<Map.Entry<String, String>> fields = new ArrayList<>();
            while (true) {
                String h = in.readLine();
                if (h == null) {
                    p.headers = ResponseHeaders.of(fields);
                    return;
                }
                if (h.isEmpty()) {
                    break;
                }
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("malformed header line: " + h);
                }
                fields.add(Map.entry(h.substring(0, colon).trim(), h.substring(colon + 1).trim()));
            }
            p.headers = ResponseHeaders.of(fields);
            if (p.status >= 100 && p.status < 200 && p.status != 101) {
                continue; // interim response
            }
            break;
        }
        if (head || (p.status >= 100 && p.status < 200) || p.status == 204 || p.status == 304) {
            p.framing = HttpResult.Framing.NONE;
            p.complete = true;
        } else if (p.headers.hasToken("Transfer-Encoding", "chunked")) {
            p.framing = HttpResult.Framing.CHUNKED;
            readChunked(in, p);
        } else if (p.headers.contains("Content-Length")) {
            p.framing = HttpResult.Framing.CONTENT_LENGTH;
            long n;
            try {
                n = Long.parseLong(p.headers.first("Content-Length").orElseThrow().trim());
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length: " + p.headers.first("Content-Length").orElse(""));
            }
            p.complete = in.copy(n, p) == n;
        } else {
            p.framing = HttpResult.Framing.EOF;
            in.copy(Long.MAX_VALUE, p);
            p.complete = in.eof;
        }
    }

    private static void parseStatusLine(String line, PartialResponse p) throws IOException {
        if (!line.startsWith("HTTP/")) {
            throw new IOException("not an HTTP status line: " + ResponseReader.abbreviate(line));
        }
        int sp1 = line.indexOf(' ');
        if (sp1 < 0 || line.length() < sp1 + 4) {
            throw new IOException("malformed status line: " + ResponseReader.abbreviate(line));
        }
        int sp2 = line.indexOf(' ', sp1 + 1);
        try {
            p.version = line.substring(0, sp1);
            p.status = Integer.parseInt(line.substring(sp1 + 1, sp2 < 0 ? line.length() : sp2));
            p.reason = sp2 < 0 ? "" : line.substring(sp2 + 1);
        } catch (NumberFormatException e) {
            throw new IOException("malformed status line: " + ResponseReader.abbreviate(line));
        }
    }

    private static void readChunked(ResponseReader in, PartialResponse p) throws IOException {
        while (true) {
            String sizeLine = in.readLine();
            if (sizeLine == null) {
                return;
            }
            int semi = sizeLine.indexOf(';');
            String hex = (semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size line: " + ResponseReader.abbreviate(sizeLine));
            }
            if (size < 0) {
                throw new IOException("bad chunk size line: " + ResponseReader.abbreviate(sizeLine));
            }
            if (size == 0) {
                while (true) { // trailers
                    String t = in.readLine();
                    if (t == null) {
                        return;
                    }
                    if (t.isEmpty()) {
                        p.complete = true;
                        return;
                    }
                }
            }
            if (in.copy(size, p) < size) {
                return;
            }
            String crlf = in.readLine();
            if (crlf == null) {
                return;
            }
            if (!crlf.isEmpty()) {
                throw new IOException("missing CRLF after chunk");
            }
        }
    }
}
