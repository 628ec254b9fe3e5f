package dev.arbiter.appliance.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Reads a backend's HTTP/1.x responses as bytes: finds each head, checks it, works out how the
 * body is framed and hands the body on as spans of the buffers it arrived in. The appliance
 * relays responses this way instead of decoding them into objects and encoding them again: the
 * head is copied once with its hop-by-hop fields left out, and the body is never copied when it
 * keeps its framing.
 *
 * <pre>
 *  HEAD --(status, fields, blank line)--> framing:
 *     none (HEAD request, 1xx, 204, 304) .......... end (1xx: back to HEAD for the final answer)
 *     content-length N ........... BODY (N bytes) -> end
 *     transfer-encoding: chunked . SIZE -> DATA -> DATA_END -> ... SIZE(0) -> TRAILER -> end
 *     neither ..................... BODY until the backend closes cleanly -> end
 * </pre>
 *
 * <table>
 *   <caption>Limits; every violation is a malformed response (the client gets 502, or is cut
 *   if part of the response already went out)</caption>
 *   <tr><th>what</th><th>limit</th></tr>
 *   <tr><td>head: status line and fields</td><td>{@value #MAX_HEAD_BYTES} bytes</td></tr>
 *   <tr><td>fields in a head</td><td>{@value #MAX_FIELDS}</td></tr>
 *   <tr><td>a chunk-size line, extensions included</td><td>{@value #MAX_CHUNK_LINE_BYTES} bytes</td></tr>
 *   <tr><td>chunk size</td><td>15 hex digits</td></tr>
 *   <tr><td>trailer section</td><td>{@value #MAX_HEAD_BYTES} bytes</td></tr>
 * </table>
 *
 * <p>What counts as malformed: a status line that is not {@code HTTP/1.0} or {@code HTTP/1.1}
 * followed by a three-digit status from 100 to 599 (RFC 9110 15); {@code 101 Switching
 * Protocols}, which the appliance never asks for (it does not forward Upgrade); a field name that
 * is not a token or is followed by whitespace; control characters (other than tab) in a field
 * value; obsolete line folding; Content-Length that is not a number or that differs between
 * fields; a Transfer-Encoding other than exactly {@code chunked}; a bad chunk. When a response
 * has both Transfer-Encoding and Content-Length, the chunked framing wins and the Content-Length
 * field is not relayed (RFC 9112 6.3). Head lines may end in CRLF or a bare LF.
 *
 * <p>Chunk framing is relayed as it came, so it is read strictly: a proxy must not pass on
 * framing that another reader could take apart differently. Every line of it ends in CRLF (no
 * bare LF, no bare CR); a chunk-size line is hex digits, then optionally whitespace and
 * {@code ;} and extensions free of control characters (tab aside); each chunk's data is
 * followed by CRLF; each trailer line is {@code name:value} with a token name and a value free
 * of control characters (tab aside), without obsolete line folding.
 *
 * <p>One instance per upstream connection, used only on its event loop.
 */
public final class ResponseParser {

    /** How the body of the response being read is delimited. */
    public enum Framing { NONE, LENGTH, CHUNKED, CLOSE }

    /** Receives what the parser finds, in order, on the calling thread. */
    public interface Listener {

        /** A head was read and checked; its accessors and {@link #writeRelayedHead} are valid until the next call. */
        void onResponseHead(ResponseParser head);

        /** Body bytes to relay; valid only during the call (retain a slice to keep them). */
        void onResponseBody(ByteBuf buf, int index, int length);

        /** The final response is complete. */
        void onResponseEnd();

        /** The response broke the rules above; the parser ignores everything after it. */
        void onResponseMalformed(String why);
    }

    public static final int MAX_HEAD_BYTES = 64 * 1024;
    public static final int MAX_FIELDS = 256;
    public static final int MAX_CHUNK_LINE_BYTES = 4096;

    private static final int HEAD = 0;
    private static final int BODY_LENGTH = 1;
    private static final int BODY_CLOSE = 2;
    private static final int CHUNK_SIZE = 3;
    private static final int CHUNK_DATA = 4;
    private static final int CHUNK_DATA_END = 5;
    private static final int TRAILER = 6;
    private static final int DONE = 7;
    private static final int FAILED = 8;

    /** Parts of a chunk-size line: {@code 1*HEXDIG [ BWS ";" extensions ] CRLF}. */
    private static final int SIZE_DIGITS = 0;
    private static final int SIZE_SPACE = 1;
    private static final int SIZE_EXTENSION = 2;
    private static final int SIZE_CR = 3;
    /** Parts of a trailer line ({@code name ":" value CRLF}) or of the blank line that ends the trailers. */
    private static final int TRAILER_LINE_START = 0;
    private static final int TRAILER_NAME = 1;
    private static final int TRAILER_VALUE = 2;
    private static final int TRAILER_CR = 3;
    private static final int TRAILER_END_CR = 4;

    /** Field kinds, found once per head by name. */
    private static final byte OTHER = 0;
    private static final byte HOP_BY_HOP = 1;
    private static final byte CONNECTION = 2;
    private static final byte VIA = 3;
    private static final byte CONTENT_LENGTH = 4;
    private static final byte TRANSFER_ENCODING = 5;

    /** Bytes allowed in a field name (RFC 9110 5.6.2 tchar). */
    private static final boolean[] TOKEN = new boolean[256];
    /** Control characters other than HTAB, which no head may carry. */
    private static final boolean[] CONTROL = new boolean[256];

    static {
        for (int c = 0; c < 256; c++) {
            TOKEN[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            CONTROL[c] = c < 0x20 && c != '\t' || c == 0x7f;
        }
    }

    /** The version of every relayed status line, whatever the backend's. */
    private static final byte[] HTTP_11 = "HTTP/1.1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] VIA_NAME = "via: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] COMMA = {',', ' '};
    private static final short CRLF = ('\r' << 8) | '\n';

    private int state = DONE;
    private boolean answeringHead;
    private boolean dechunk;
    private boolean extraBytes;

    /** How far {@link #findHeadEnd} has looked into a head that came in pieces. */
    private int scanned;

    private int status;
    private boolean http10;
    private boolean connectionClose;
    private boolean connectionKeepAlive;
    /** Whether a Connection field names fields other than close and keep-alive (to be left out). */
    private boolean connectionNamesFields;
    private boolean chunked;
    private long contentLength;
    private Framing framing;
    private long remaining;
    private int chunkLineBytes;
    /** Where in a chunk-size or trailer line the next byte falls: a {@code SIZE_} or {@code TRAILER_} part. */
    private int linePart;
    private int trailerBytes;

    /** Per field: start, colon, end (exclusive of the line end), kind; offsets into {@link #head}. */
    private int[] fields = new int[4 * 16];
    private int fieldCount;
    private int statusLineEnd;
    /** The head being read, copied out of the read buffers: parsed and relayed from here. */
    private byte[] head = new byte[512];
    private int headLength;
    private ByteBuf headView;

    /** Starts a new response; {@code answeringHead} when the request was a HEAD, whose answer has no body. */
    public void reset(boolean answeringHead) {
        this.answeringHead = answeringHead;
        this.state = HEAD;
        this.dechunk = false;
        this.extraBytes = false;
        forgetPartialHead();
        startHead();
    }

    private void startHead() {
        scanned = 0;
        fieldCount = 0;
        statusLineEnd = -1;
        connectionClose = false;
        connectionKeepAlive = false;
        connectionNamesFields = false;
        chunked = false;
        contentLength = -1;
        status = 0;
    }

    // ---------------------------------------------------------------- the head, as the listener sees it

    public int status() {
        return status;
    }

    public Framing framing() {
        return framing;
    }

    /**
     * Whether the backend lets the connection be reused after this response. Never after an
     * HTTP/1.0 response with Transfer-Encoding, whose framing a recipient must not trust for
     * what follows (RFC 9112 6.1).
     */
    public boolean keepAlive() {
        if (framing == Framing.CLOSE || connectionClose || http10 && chunked) {
            return false;
        }
        return !http10 || connectionKeepAlive;
    }

    /** Whether bytes followed the end of the response in the same read (the connection is not reusable). */
    public boolean extraBytes() {
        return extraBytes;
    }

    /** Hands on only the data of a chunked body, without its framing (for a client that cannot take chunks). */
    public void dechunk() {
        this.dechunk = true;
    }

    /**
     * Writes the status line and every end-to-end field, each ending in CRLF, without the blank
     * line that ends the head. The status line carries the appliance's own version, {@code HTTP/1.1}
     * (RFC 9110 6.2), with the backend's code and reason. Left out: the hop-by-hop fields (RFC 9110
     * 7.6.1) and those the Connection field names, Content-Length beside chunked framing,
     * Transfer-Encoding when the body is dechunked. Via is written last: the backend's values, in
     * order, followed by {@code via}.
     */
    public void writeRelayedHead(ByteBuf out, byte[] via) {
        out.writeBytes(HTTP_11);
        out.writeBytes(head, HTTP_11.length, statusLineEnd - HTTP_11.length);
        out.writeShort(CRLF);
        boolean sawVia = false;
        for (int f = 0; f < fieldCount; f++) {
            int at = f * 4;
            int kind = fields[at + 3];
            if (kind == OTHER && !(connectionNamesFields && namedByConnection(f))
                    || kind == CONTENT_LENGTH && !chunked
                    || kind == TRANSFER_ENCODING && !dechunk) {
                out.writeBytes(head, fields[at], fields[at + 2] - fields[at]);
                out.writeShort(CRLF);
            } else if (kind == VIA) {
                sawVia = true;
            }
        }
        out.writeBytes(VIA_NAME);
        for (int f = 0; sawVia && f < fieldCount; f++) {
            // Every Via line of the backend's, in order, then the appliance's own entry.
            int at = f * 4;
            if (fields[at + 3] == VIA) {
                int from = skipSpaces(head, fields[at + 1] + 1, fields[at + 2]);
                int to = trimEnd(head, from, fields[at + 2]);
                if (to > from) {
                    out.writeBytes(head, from, to - from);
                    out.writeBytes(COMMA);
                }
            }
        }
        out.writeBytes(via);
        out.writeShort(CRLF);
    }

    // ---------------------------------------------------------------- feeding

    /** Reads what {@code in} holds; does not release it. */
    public void feed(ByteBuf in, Listener listener) {
        int pos = in.readerIndex();
        int end = in.writerIndex();
        while (pos < end) {
            switch (state) {
                case HEAD -> pos = readHead(in, pos, end, listener);
                case BODY_LENGTH -> {
                    int n = (int) Math.min(remaining, end - pos);
                    listener.onResponseBody(in, pos, n);
                    pos += n;
                    remaining -= n;
                    if (remaining == 0) {
                        finish(pos, end, listener);
                    }
                }
                case BODY_CLOSE -> {
                    listener.onResponseBody(in, pos, end - pos);
                    pos = end;
                }
                case CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILER -> pos = readChunked(in, pos, end, listener);
                case DONE -> {
                    extraBytes = true;
                    pos = end;
                }
                default -> pos = end;
            }
        }
        in.readerIndex(end);
    }

    /**
     * The backend closed its connection cleanly (a reset is no end: the caller does not ask).
     * Returns true if that ended a body delimited by the close (the listener was told the
     * response ended); false if the response was cut short.
     */
    public boolean onClose(Listener listener) {
        if (state == BODY_CLOSE) {
            state = DONE;
            listener.onResponseEnd();
            return true;
        }
        forgetPartialHead();
        return false;
    }

    /** Forgets a head that was arriving in pieces (the connection closed, or the exchange moved on). */
    private void forgetPartialHead() {
        headLength = 0;
    }

    // ---------------------------------------------------------------- head

    /**
     * Finds the end of the head, searching the read buffer itself while the head starts in it;
     * copies the head (only the head) into {@link #head}, where it is checked and relayed from.
     */
    private int readHead(ByteBuf in, int pos, int end, Listener listener) {
        int held = headLength;
        int headEnd;
        int resume;
        if (held == 0) {
            int found = findHeadEnd(in, pos, end);
            if (found < 0 || found - pos > MAX_HEAD_BYTES) {
                if (found >= 0 || end - pos > MAX_HEAD_BYTES) {
                    return fail(listener, "response head larger than " + MAX_HEAD_BYTES + " bytes");
                }
                append(in, pos, end - pos);
                return end;
            }
            headEnd = found - pos;
            append(in, pos, headEnd);
            resume = found;
        } else {
            int take = Math.min(end - pos, MAX_HEAD_BYTES + 3 - held);
            append(in, pos, take);
            int found = findHeadEnd(headView(), 0, headLength);
            if (found < 0 || found > MAX_HEAD_BYTES) {
                if (found >= 0 || headLength > MAX_HEAD_BYTES) {
                    return fail(listener, "response head larger than " + MAX_HEAD_BYTES + " bytes");
                }
                return end;
            }
            headEnd = found;
            resume = pos + (found - held);
        }
        headLength = 0;
        return onHead(headEnd, listener) ? afterHead(in, resume, end, listener) : Integer.MAX_VALUE;
    }

    private void append(ByteBuf in, int from, int length) {
        if (headLength + length > head.length) {
            head = java.util.Arrays.copyOf(head, Math.max(head.length * 2, headLength + length));
            headView = null;
        }
        in.getBytes(from, head, headLength, length);
        headLength += length;
    }

    /** {@link #head} as a buffer, to look for the end of a head that came in pieces. */
    private ByteBuf headView() {
        if (headView == null) {
            headView = Unpooled.wrappedBuffer(head);
        }
        return headView;
    }

    /**
     * The index just past the blank line that ends a head starting at {@code base}, or -1 if
     * {@code buf} does not hold it yet ({@link #scanned} remembers where to look again).
     */
    private int findHeadEnd(ByteBuf buf, int base, int limit) {
        int i = base + scanned;
        while (true) {
            int lf = i < limit ? buf.indexOf(i, limit, (byte) '\n') : -1;
            if (lf < 0) {
                scanned = limit - base;
                return -1;
            }
            if (lf + 1 < limit) {
                byte next = buf.getByte(lf + 1);
                if (next == '\n') {
                    return lf + 2;
                }
                if (next != '\r') {
                    i = lf + 1;
                    continue;
                }
                if (lf + 2 < limit) {
                    if (buf.getByte(lf + 2) == '\n') {
                        return lf + 3;
                    }
                    i = lf + 1;
                    continue;
                }
            }
            scanned = lf - base;
            return -1;
        }
    }

    /** Checks the complete head in {@code head[0, headEnd)} and gives it to the listener. */
    private boolean onHead(int headEnd, Listener listener) {
        String why = parseHead(head, 0, headEnd);
        if (why != null) {
            fail(listener, why);
            return false;
        }
        boolean interim = status < 200;
        if (answeringHead || status < 200 || status == 204 || status == 304) {
            framing = Framing.NONE;
        } else if (chunked) {
            framing = Framing.CHUNKED;
        } else if (contentLength >= 0) {
            framing = Framing.LENGTH;
        } else {
            framing = Framing.CLOSE;
        }
        listener.onResponseHead(this);
        if (state == FAILED) {
            return false;
        }
        if (interim) {
            startHead();
            return true;
        }
        switch (framing) {
            case NONE -> state = DONE;
            case LENGTH -> {
                remaining = contentLength;
                state = contentLength == 0 ? DONE : BODY_LENGTH;
            }
            case CHUNKED -> {
                state = CHUNK_SIZE;
                remaining = -1;
                chunkLineBytes = 0;
                linePart = SIZE_DIGITS;
            }
            case CLOSE -> state = BODY_CLOSE;
        }
        return true;
    }

    private int afterHead(ByteBuf in, int pos, int end, Listener listener) {
        if (state == DONE) {
            extraBytes = pos < end;
            listener.onResponseEnd();
        }
        return pos;
    }

    private String parseHead(byte[] buf, int start, int headEnd) {
        int lf = indexOf(buf, start, headEnd, (byte) '\n');
        int lineEnd = lineEnd(buf, start, lf);
        String why = statusLine(buf, start, lineEnd);
        if (why != null) {
            return why;
        }
        statusLineEnd = lineEnd - start;
        int line = lf + 1;
        while (true) {
            // One pass per line: the name up to the colon, the value up to the LF. The head is
            // known to end in a blank line, so neither loop can run past it.
            byte first = buf[line];
            if (first == '\n' || first == '\r' && buf[line + 1] == '\n') {
                return null;
            }
            if (first == ' ' || first == '\t') {
                return "backend sent a folded field line (obsolete line folding)";
            }
            int i = line;
            byte b;
            while ((b = buf[i]) != ':') {
                if (!TOKEN[b & 0xff]) {
                    return "backend sent a field name that is not a token";
                }
                i++;
            }
            int colon = i;
            if (colon == line) {
                return "backend sent an empty field name";
            }
            while ((b = buf[++i]) != '\n') {
                if (CONTROL[b & 0xff] && (b != '\r' || buf[i + 1] != '\n')) {
                    return "backend sent a control character in a field value";
                }
            }
            why = field(buf, start, line, colon, buf[i - 1] == '\r' ? i - 1 : i);
            if (why != null) {
                return why;
            }
            line = i + 1;
        }
    }

    private static int lineEnd(byte[] buf, int lineStart, int lf) {
        return lf > lineStart && buf[lf - 1] == '\r' ? lf - 1 : lf;
    }

    /** {@code HTTP/1.x SSS[ reason]}. */
    private String statusLine(byte[] buf, int start, int end) {
        if (end - start < 12 || buf[start] != 'H' || buf[start + 1] != 'T' || buf[start + 2] != 'T'
                || buf[start + 3] != 'P' || buf[start + 4] != '/' || buf[start + 5] != '1'
                || buf[start + 6] != '.' || buf[start + 8] != ' ') {
            return "backend sent a status line that is not HTTP/1.x";
        }
        byte minor = buf[start + 7];
        if (minor != '0' && minor != '1') {
            return "backend sent a status line that is not HTTP/1.0 or HTTP/1.1";
        }
        http10 = minor == '0';
        int code = 0;
        for (int i = start + 9; i < start + 12; i++) {
            byte b = buf[i];
            if (b < '0' || b > '9') {
                return "backend sent a status code that is not three digits";
            }
            code = code * 10 + (b - '0');
        }
        if (code < 100) {
            return "backend sent a status code below 100";
        }
        if (code > 599) {
            return "backend sent a status code above 599";
        }
        if (code == 101) {
            return "backend sent 101 Switching Protocols unasked (Upgrade is never forwarded)";
        }
        if (end > start + 12 && buf[start + 12] != ' ') {
            return "backend sent a status code that is not three digits";
        }
        for (int i = start + 12; i < end; i++) {
            if (CONTROL[buf[i] & 0xff]) {
                return "backend sent a control character in the status line";
            }
        }
        status = code;
        return null;
    }

    /** A field line whose bytes are already checked: counted, classified, and its framing read. */
    private String field(byte[] buf, int base, int start, int colon, int end) {
        if (fieldCount == MAX_FIELDS) {
            return "backend sent more than " + MAX_FIELDS + " fields";
        }
        byte kind = kindOf(buf, start, colon);
        String why = switch (kind) {
            case CONTENT_LENGTH -> contentLength(buf, colon + 1, end);
            case TRANSFER_ENCODING -> transferEncoding(buf, colon + 1, end);
            case CONNECTION -> {
                connectionTokens(buf, colon + 1, end);
                yield null;
            }
            default -> null;
        };
        if (why != null) {
            return why;
        }
        int at = fieldCount * 4;
        if (at + 4 > fields.length) {
            fields = java.util.Arrays.copyOf(fields, fields.length * 2);
        }
        fields[at] = start - base;
        fields[at + 1] = colon - base;
        fields[at + 2] = end - base;
        fields[at + 3] = kind;
        fieldCount++;
        return null;
    }

    private String contentLength(byte[] buf, int from, int to) {
        from = skipSpaces(buf, from, to);
        to = trimEnd(buf, from, to);
        if (from == to || to - from > 18) {
            return "backend sent a Content-Length that is not a number";
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            byte b = buf[i];
            if (b < '0' || b > '9') {
                return "backend sent a Content-Length that is not a number";
            }
            n = n * 10 + (b - '0');
        }
        if (contentLength >= 0 && contentLength != n) {
            return "backend sent two different Content-Length values";
        }
        contentLength = n;
        return null;
    }

    private String transferEncoding(byte[] buf, int from, int to) {
        from = skipSpaces(buf, from, to);
        to = trimEnd(buf, from, to);
        if (chunked) {
            return "backend sent Transfer-Encoding twice";
        }
        if (!regionIs(buf, from, to, "chunked")) {
            return "backend sent a Transfer-Encoding other than chunked";
        }
        chunked = true;
        return null;
    }

    private void connectionTokens(byte[] buf, int from, int to) {
        int i = from;
        while (i < to) {
            int comma = indexOf(buf, i, to, (byte) ',');
            int tokenEnd = comma < 0 ? to : comma;
            int s = skipSpaces(buf, i, tokenEnd);
            int e = trimEnd(buf, s, tokenEnd);
            if (regionIs(buf, s, e, "close")) {
                connectionClose = true;
            } else if (regionIs(buf, s, e, "keep-alive")) {
                connectionKeepAlive = true;
            } else if (e > s) {
                connectionNamesFields = true;
            }
            i = tokenEnd + 1;
        }
    }

    /** Whether field {@code f} is named in a Connection field of the same head (and so hop-by-hop). */
    private boolean namedByConnection(int f) {
        int at = f * 4;
        int nameFrom = fields[at];
        int nameTo = fields[at + 1];
        for (int c = 0; c < fieldCount; c++) {
            int ct = c * 4;
            if (fields[ct + 3] != CONNECTION) {
                continue;
            }
            int i = fields[ct + 1] + 1;
            int to = fields[ct + 2];
            while (i < to) {
                int comma = indexOf(head, i, to, (byte) ',');
                int tokenEnd = comma < 0 ? to : comma;
                int s = skipSpaces(head, i, tokenEnd);
                int e = trimEnd(head, s, tokenEnd);
                if (e - s == nameTo - nameFrom && equalsIgnoreCase(head, s, nameFrom, e - s)) {
                    return true;
                }
                i = tokenEnd + 1;
            }
        }
        return false;
    }

    private static byte kindOf(byte[] buf, int from, int to) {
        switch (to - from) {
            case 2:
                return regionIs(buf, from, to, "te") ? HOP_BY_HOP : OTHER;
            case 3:
                return regionIs(buf, from, to, "via") ? VIA : OTHER;
            case 7:
                return regionIs(buf, from, to, "trailer") || regionIs(buf, from, to, "upgrade") ? HOP_BY_HOP : OTHER;
            case 10:
                if (regionIs(buf, from, to, "connection")) {
                    return CONNECTION;
                }
                return regionIs(buf, from, to, "keep-alive") ? HOP_BY_HOP : OTHER;
            case 14:
                return regionIs(buf, from, to, "content-length") ? CONTENT_LENGTH : OTHER;
            case 16:
                return regionIs(buf, from, to, "proxy-connection") ? HOP_BY_HOP : OTHER;
            case 17:
                return regionIs(buf, from, to, "transfer-encoding") ? TRANSFER_ENCODING : OTHER;
            case 18:
                return regionIs(buf, from, to, "proxy-authenticate") ? HOP_BY_HOP : OTHER;
            case 19:
                return regionIs(buf, from, to, "proxy-authorization") ? HOP_BY_HOP : OTHER;
            default:
                return OTHER;
        }
    }

    // ---------------------------------------------------------------- chunked body

    /**
     * Reads chunk framing byte by byte and chunk data in spans. Without {@link #dechunk} the
     * whole consumed range (framing included) goes to the listener as it came.
     */
    private int readChunked(ByteBuf in, int pos, int end, Listener listener) {
        int raw = pos;
        while (pos < end) {
            if (state == CHUNK_DATA) {
                int n = (int) Math.min(remaining, end - pos);
                if (dechunk) {
                    listener.onResponseBody(in, pos, n);
                }
                pos += n;
                remaining -= n;
                if (remaining == 0) {
                    state = CHUNK_DATA_END;
                    chunkLineBytes = 0;
                }
                continue;
            }
            byte b = in.getByte(pos++);
            String why = switch (state) {
                case CHUNK_SIZE -> chunkSizeByte(b);
                case CHUNK_DATA_END -> chunkEndByte(b);
                default -> trailerByte(b);
            };
            if (why != null) {
                return fail(listener, why);
            }
            if (state == DONE) {
                if (!dechunk) {
                    listener.onResponseBody(in, raw, pos - raw);
                }
                extraBytes = pos < end;
                listener.onResponseEnd();
                return pos;
            }
        }
        if (!dechunk && pos > raw) {
            listener.onResponseBody(in, raw, pos - raw);
        }
        return pos;
    }

    /** {@code chunk-size [BWS ; extensions] CRLF}; {@link #remaining} is -1 until a digit is read. */
    private String chunkSizeByte(byte b) {
        if (++chunkLineBytes > MAX_CHUNK_LINE_BYTES) {
            return "backend sent a chunk-size line longer than " + MAX_CHUNK_LINE_BYTES + " bytes";
        }
        switch (linePart) {
            case SIZE_CR -> {
                return b == '\n' ? endChunkSizeLine() : "backend sent a bare CR in a chunk-size line";
            }
            case SIZE_EXTENSION -> {
                if (b == '\r') {
                    linePart = SIZE_CR;
                    return null;
                }
                if (b == '\n') {
                    return "backend sent a chunk-size line that does not end in CRLF";
                }
                return CONTROL[b & 0xff] ? "backend sent a control character in a chunk extension" : null;
            }
            case SIZE_SPACE -> {
                if (b == ';') {
                    linePart = SIZE_EXTENSION;
                    return null;
                }
                return isSpace(b) ? null : "backend sent a chunk size that is not hexadecimal";
            }
            default -> {
                return chunkSizeDigit(b);
            }
        }
    }

    private String chunkSizeDigit(byte b) {
        int digit = hexDigit(b);
        if (digit >= 0) {
            if (chunkLineBytes > 15) { // the digits come first: the line so far is all digits
                return "backend sent a chunk size of more than 15 hex digits";
            }
            remaining = (remaining < 0 ? 0 : remaining << 4) | digit;
            return null;
        }
        if (remaining < 0) {
            return b == '\r' || b == '\n' ? "backend sent a chunk without a size"
                    : "backend sent a chunk size that is not hexadecimal";
        }
        switch (b) {
            case '\r' -> linePart = SIZE_CR;
            case ';' -> linePart = SIZE_EXTENSION;
            case ' ', '\t' -> linePart = SIZE_SPACE;
            case '\n' -> {
                return "backend sent a chunk-size line that does not end in CRLF";
            }
            default -> {
                return "backend sent a chunk size that is not hexadecimal";
            }
        }
        return null;
    }

    private String endChunkSizeLine() {
        chunkLineBytes = 0;
        if (remaining == 0) {
            state = TRAILER;
            linePart = TRAILER_LINE_START;
            trailerBytes = 0;
        } else {
            state = CHUNK_DATA;
        }
        return null;
    }

    /** The CRLF after a chunk's data. */
    private String chunkEndByte(byte b) {
        if (chunkLineBytes == 0) {
            if (b != '\r') {
                return b == '\n' ? "backend sent chunk data not followed by CRLF"
                        : "backend sent chunk data longer than its size";
            }
            chunkLineBytes = 1;
            return null;
        }
        if (b != '\n') {
            return "backend sent chunk data not followed by CRLF";
        }
        state = CHUNK_SIZE;
        remaining = -1;
        chunkLineBytes = 0;
        linePart = SIZE_DIGITS;
        return null;
    }

    /** Trailer fields are relayed as they came: each line is checked as strictly as chunk framing. */
    private String trailerByte(byte b) {
        if (++trailerBytes > MAX_HEAD_BYTES) {
            return "backend sent a trailer section larger than " + MAX_HEAD_BYTES + " bytes";
        }
        switch (linePart) {
            case TRAILER_LINE_START -> {
                if (b == '\r') {
                    linePart = TRAILER_END_CR;
                    return null;
                }
                if (isSpace(b)) {
                    return "backend sent a folded trailer field (obsolete line folding)";
                }
                if (b == '\n') {
                    return "backend sent a trailer section that does not end in CRLF";
                }
                if (!TOKEN[b & 0xff]) {
                    return "backend sent a trailer field name that is not a token";
                }
                linePart = TRAILER_NAME;
                return null;
            }
            case TRAILER_NAME -> {
                if (b == ':') {
                    linePart = TRAILER_VALUE;
                    return null;
                }
                return TOKEN[b & 0xff] ? null : "backend sent a trailer field name that is not a token";
            }
            case TRAILER_VALUE -> {
                if (b == '\r') {
                    linePart = TRAILER_CR;
                    return null;
                }
                if (b == '\n') {
                    return "backend sent a trailer line that does not end in CRLF";
                }
                return CONTROL[b & 0xff] ? "backend sent a control character in a trailer field" : null;
            }
            case TRAILER_CR -> {
                if (b != '\n') {
                    return "backend sent a bare CR in a trailer field";
                }
                linePart = TRAILER_LINE_START;
                return null;
            }
            default -> {
                if (b != '\n') {
                    return "backend sent a bare CR in the trailer section";
                }
                state = DONE;
                return null;
            }
        }
    }

    private static int hexDigit(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    // ---------------------------------------------------------------- body and end

    private void finish(int pos, int end, Listener listener) {
        state = DONE;
        extraBytes = pos < end;
        listener.onResponseEnd();
    }

    private int fail(Listener listener, String why) {
        state = FAILED;
        forgetPartialHead();
        listener.onResponseMalformed(why);
        return Integer.MAX_VALUE;
    }

    // ---------------------------------------------------------------- bytes

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }

    private static int indexOf(byte[] buf, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (buf[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static int skipSpaces(byte[] buf, int from, int to) {
        while (from < to && isSpace(buf[from])) {
            from++;
        }
        return from;
    }

    private static int trimEnd(byte[] buf, int from, int to) {
        while (to > from && isSpace(buf[to - 1])) {
            to--;
        }
        return to;
    }

    /** Case-insensitive comparison with a lower-case ASCII name. */
    private static boolean regionIs(byte[] buf, int from, int to, String lower) {
        if (to - from != lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            byte b = buf[from + i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsIgnoreCase(byte[] buf, int a, int b, int length) {
        for (int i = 0; i < length; i++) {
            int x = buf[a + i];
            int y = buf[b + i];
            if (x == y) {
                continue;
            }
            int lower = x | 0x20;
            if (lower != (y | 0x20) || lower < 'a' || lower > 'z') {
                return false;
            }
        }
        return true;
    }
}
