package dev.arbiter.appliance.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a request for a backend as bytes, straight from the decoded request: the head in one
 * buffer, the body as it came (or in chunks when the client sent chunks). Replaces Netty's
 * request encoder and the header-map edits before it on the forward path.
 *
 * <p>The head: the request line as HTTP/1.1, every end-to-end field in the client's order, then
 * {@code X-Forwarded-For} (the client's values, if any, in order, followed by the client
 * address), {@code X-Forwarded-Proto: http} and {@code Via} (the client's values followed by the
 * appliance's). Hop-by-hop fields (RFC 9110 7.6.1) and the fields the {@code Connection} field
 * lines name (all of them together, RFC 9110 5.3) are skipped while writing, not removed from
 * the map; a client cannot have {@code Content-Length}, {@code Transfer-Encoding} or
 * {@code Host} skipped that way. A request without Host (HTTP/1.0) gets the backend's
 * {@code host:port}, since an HTTP/1.1 request must carry one (RFC 9112 3.2); {@code Expect} of
 * an HTTP/1.0 request is dropped (RFC 9110 10.1.1).
 *
 * <p>One Connection line is the common case and costs nothing extra; when a second one turns up,
 * the fields written so far are dropped and written again checking every Connection line.
 */
public final class UpstreamRequestWriter {

    private static final byte[] HTTP_11 = " HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] XFF = "x-forwarded-for: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] XFP = "x-forwarded-proto: http\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] VIA = "via: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final short CRLF = ('\r' << 8) | '\n';
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final short COLON_SPACE = (':' << 8) | ' ';
    private static final short COMMA_SPACE = (',' << 8) | ' ';
    private static final byte[] HOST = "host: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static final int OTHER = 0;
    private static final int HOP_BY_HOP = 1;
    private static final int FORWARDED_FOR = 2;
    private static final int FORWARDED_PROTO = 3;
    private static final int VIA_FIELD = 4;
    private static final int PROTECTED = 5;
    private static final int HOST_FIELD = 6;
    private static final int CONNECTION_FIELD = 7;
    private static final int EXPECT_FIELD = 8;

    /** What {@link #fields} saw, as bits. */
    private static final int SAW_FORWARDED_FOR = 1;
    private static final int SAW_VIA = 2;
    private static final int SAW_HOST = 4;
    private static final int MORE_CONNECTION_LINES = 8;

    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");

    private UpstreamRequestWriter() {
    }

    /**
     * The request head for a backend; {@code via} is the appliance's own Via entry (e.g. "1.1
     * arbiter"). A request without Host gets an empty one.
     */
    public static ByteBuf head(ByteBufAllocator alloc, HttpRequest r, String clientIp, byte[] via) {
        return head(alloc, r, clientIp, via, "");
    }

    /**
     * The request head for a backend; {@code backendAuthority} ({@code host:port}) is the Host
     * sent when the request has none.
     */
    public static ByteBuf head(ByteBufAllocator alloc, HttpRequest r, String clientIp, byte[] via,
                               String backendAuthority) {
        HttpHeaders h = r.headers();
        ByteBuf out = alloc.ioBuffer(512);
        ByteBufUtil.writeAscii(out, r.method().asciiName());
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, r.uri());
        out.writeBytes(HTTP_11);
        boolean http10 = r.protocolVersion().minorVersion() == 0;
        int fieldsStart = out.writerIndex();
        CharSequence connection = h.get(HttpHeaderNames.CONNECTION);
        int seen = fields(out, h, connection, connection != null && namesFields(connection), http10);
        if ((seen & MORE_CONNECTION_LINES) != 0) {
            out.writerIndex(fieldsStart);
            seen = fields(out, h, null, true, http10);
        }
        if ((seen & SAW_HOST) == 0) {
            out.writeBytes(HOST);
            ByteBufUtil.writeAscii(out, backendAuthority);
            out.writeShort(CRLF);
        }
        out.writeBytes(XFF);
        if ((seen & SAW_FORWARDED_FOR) != 0) {
            values(out, h, FORWARDED_FOR);
        }
        ByteBufUtil.writeAscii(out, clientIp);
        out.writeShort(CRLF);
        out.writeBytes(XFP);
        out.writeBytes(VIA);
        if ((seen & SAW_VIA) != 0) {
            values(out, h, VIA_FIELD);
        }
        out.writeBytes(via);
        out.writeShort(CRLF);
        out.writeShort(CRLF);
        return out;
    }

    /**
     * Writes the end-to-end fields. With {@code connection} the value of the only Connection line
     * seen so far, it stops at a second Connection line and says so; with {@code connection} null,
     * a field is checked against every Connection line.
     */
    private static int fields(ByteBuf out, HttpHeaders h, CharSequence connection, boolean namesFields, boolean http10) {
        int seen = 0;
        int connectionLines = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            switch (kindOf(name)) {
                case OTHER -> {
                    if (!namesFields || !nominated(h, connection, name)) {
                        field(out, name, e.getValue());
                    }
                }
                case EXPECT_FIELD -> {
                    if (!http10 && (!namesFields || !nominated(h, connection, name))) {
                        field(out, name, e.getValue());
                    }
                }
                case HOST_FIELD -> {
                    seen |= SAW_HOST;
                    field(out, name, e.getValue());
                }
                case PROTECTED -> field(out, name, e.getValue());
                case CONNECTION_FIELD -> {
                    if (connection != null && ++connectionLines > 1) {
                        return seen | MORE_CONNECTION_LINES;
                    }
                }
                case FORWARDED_FOR -> seen |= SAW_FORWARDED_FOR;
                case VIA_FIELD -> seen |= SAW_VIA;
                default -> { } // hop-by-hop, or X-Forwarded-Proto: replaced below
            }
        }
        return seen;
    }

    /** Whether {@code name} is named by {@code connection}, or with it null, by any Connection line. */
    private static boolean nominated(HttpHeaders h, CharSequence connection, CharSequence name) {
        if (connection != null) {
            return named(connection, name);
        }
        for (Iterator<? extends CharSequence> it = h.valueCharSequenceIterator(HttpHeaderNames.CONNECTION); it.hasNext(); ) {
            if (named(it.next(), name)) {
                return true;
            }
        }
        return false;
    }

    /** The framing in front of one chunk of {@code length > 0} bytes of a chunked body. */
    public static ByteBuf chunkHead(ByteBufAllocator alloc, int length) {
        ByteBuf out = alloc.ioBuffer(10);
        writeChunkSize(out, length);
        out.writeShort(CRLF);
        return out;
    }

    /** Writes {@code length > 0} in hexadecimal, as a chunk-size, without its line end. */
    public static void writeChunkSize(ByteBuf out, int length) {
        for (int shift = (31 - Integer.numberOfLeadingZeros(length)) & ~3; shift >= 0; shift -= 4) {
            out.writeByte(HEX[(length >>> shift) & 0xf]);
        }
    }

    /** The end of a chunk: its CRLF, written after the chunk's data. */
    public static ByteBuf chunkEnd(ByteBufAllocator alloc) {
        return alloc.ioBuffer(2).writeShort(CRLF);
    }

    /** The last chunk of a chunked body, with the client's trailer fields, if any. */
    public static ByteBuf lastChunk(ByteBufAllocator alloc, LastHttpContent last) {
        return lastChunk(alloc, last, null);
    }

    /**
     * The last chunk of a chunked body, with the client's end-to-end trailer fields: none that
     * the head controls (Host, framing, Connection and the hop-by-hop fields, Via,
     * X-Forwarded-*, Expect), and none that a Connection line of {@code head} names (RFC 9110
     * 6.5.1, 7.6.1).
     */
    public static ByteBuf lastChunk(ByteBufAllocator alloc, LastHttpContent last, HttpHeaders head) {
        ByteBuf out = alloc.ioBuffer(16);
        out.writeBytes(LAST_CHUNK);
        HttpHeaders trailers = last == null ? null : last.trailingHeaders();
        if (trailers != null && !trailers.isEmpty()) {
            boolean namesFields = head != null && head.contains(HttpHeaderNames.CONNECTION);
            for (Iterator<Map.Entry<CharSequence, CharSequence>> it = trailers.iteratorCharSequence(); it.hasNext(); ) {
                Map.Entry<CharSequence, CharSequence> e = it.next();
                CharSequence name = e.getKey();
                if (kindOf(name) == OTHER && (!namesFields || !nominated(head, null, name))) {
                    field(out, name, e.getValue());
                }
            }
        }
        out.writeShort(CRLF);
        return out;
    }

    /** Every value of the fields of {@code kind}, in the client's order, each followed by ", ". */
    private static void values(ByteBuf out, HttpHeaders h, int kind) {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            if (kindOf(e.getKey()) == kind) {
                ByteBufUtil.writeAscii(out, e.getValue());
                out.writeShort(COMMA_SPACE);
            }
        }
    }

    private static void field(ByteBuf out, CharSequence name, CharSequence value) {
        ByteBufUtil.writeAscii(out, name);
        out.writeShort(COLON_SPACE);
        ByteBufUtil.writeAscii(out, value);
        out.writeShort(CRLF);
    }

    private static int kindOf(CharSequence name) {
        switch (name.length()) {
            case 2:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE) ? HOP_BY_HOP : OTHER;
            case 3:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.VIA) ? VIA_FIELD : OTHER;
            case 4:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST) ? HOST_FIELD : OTHER;
            case 6:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.EXPECT) ? EXPECT_FIELD : OTHER;
            case 7:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRAILER)
                        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE) ? HOP_BY_HOP : OTHER;
            case 10:
                if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)) {
                    return CONNECTION_FIELD;
                }
                return AsciiString.contentEqualsIgnoreCase(name, KEEP_ALIVE) ? HOP_BY_HOP : OTHER;
            case 14:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH) ? PROTECTED : OTHER;
            case 15:
                return AsciiString.contentEqualsIgnoreCase(name, X_FORWARDED_FOR) ? FORWARDED_FOR : OTHER;
            case 16:
                return AsciiString.contentEqualsIgnoreCase(name, PROXY_CONNECTION) ? HOP_BY_HOP : OTHER;
            case 17:
                if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)) {
                    return PROTECTED;
                }
                return AsciiString.contentEqualsIgnoreCase(name, X_FORWARDED_PROTO) ? FORWARDED_PROTO : OTHER;
            case 18:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.PROXY_AUTHENTICATE) ? HOP_BY_HOP : OTHER;
            case 19:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.PROXY_AUTHORIZATION) ? HOP_BY_HOP : OTHER;
            default:
                return OTHER;
        }
    }

    /** Whether the Connection value names anything other than close and keep-alive. */
    private static boolean namesFields(CharSequence connection) {
        return hasToken(connection, null);
    }

    /** Whether {@code name} is one of the tokens of the Connection value. */
    private static boolean named(CharSequence connection, CharSequence name) {
        return hasToken(connection, name);
    }

    /** Whether the value has the token {@code name} or, with {@code name} null, a token other than close and keep-alive. */
    private static boolean hasToken(CharSequence connection, CharSequence name) {
        int len = connection.length();
        int start = 0;
        while (start < len) {
            int end = tokenEnd(connection, start);
            int s = skipSpaces(connection, start, end);
            int e = trimEnd(connection, s, end);
            if (name == null ? e > s && !regionIs(connection, s, e, "close") && !regionIs(connection, s, e, "keep-alive")
                    : e - s == name.length() && AsciiString.regionMatches(connection, true, s, name, 0, name.length())) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    private static int tokenEnd(CharSequence s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == ',') {
                return i;
            }
        }
        return s.length();
    }

    private static int skipSpaces(CharSequence s, int from, int to) {
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        return from;
    }

    private static int trimEnd(CharSequence s, int from, int to) {
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return to;
    }

    private static boolean regionIs(CharSequence s, int from, int to, String lower) {
        return to - from == lower.length() && AsciiString.regionMatches(s, true, from, lower, 0, lower.length());
    }
}
