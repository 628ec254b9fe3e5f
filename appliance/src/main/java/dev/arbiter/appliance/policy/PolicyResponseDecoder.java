package dev.arbiter.appliance.policy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads HTTP/1.1 answers off a policy connection, each into one {@link PolicyResponse}: the
 * status, the whole body (Content-Length, chunked, or up to the close), and in compatibility mode
 * the headers. Native mode reads no header but the framing ones, so an answer costs no strings.
 *
 * <pre>
 *   STATUS -> HEADERS -+-> (1xx: skipped)  -> STATUS
 *                      +-> (204, 304, Content-Length: 0) ------------------------> emit -> STATUS
 *                      +-> FIXED (Content-Length) ----------------------------------> emit
 *                      +-> CHUNK_SIZE -> CHUNK_DATA -> CHUNK_END -> ... -> TRAILERS -> emit
 *                      +-> UNTIL_CLOSE (neither) ---------------------(channel closes)-> emit
 *   anything malformed or over a limit -> emit a failure -> BAD (the rest is discarded)
 * </pre>
 *
 * Strict where leniency could desynchronise the pipelined answers: Transfer-Encoding with
 * Content-Length, two different lengths, a coding other than chunked, a folded header line or
 * a 101 are failures ({@code invalid-response}); a body over the group's limit, or a line or a
 * header block over its limit, is {@code too-large}. Lines may end in CRLF or a bare LF.
 */
public final class PolicyResponseDecoder extends ByteToMessageDecoder {

    /** Longest status line or header line. */
    static final int MAX_LINE_BYTES = 8 * 1024;
    /** Longest header block (and trailer block) of one answer. */
    static final int MAX_HEADER_BYTES = 64 * 1024;

    private enum State { STATUS, HEADERS, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, BAD }

    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);

    private final int maxBodyBytes;
    private final boolean keepHeaders;

    private State state = State.STATUS;
    private int status;
    private HttpHeaders headers;
    private long contentLength;
    private boolean chunked;
    private int headerBytes;
    private long remaining;
    private ByteBuf body;

    /**
     * @param maxBodyBytes largest body accepted ({@code policy.max-response-size})
     * @param keepHeaders  whether answers carry their headers (compatibility mode)
     */
    public PolicyResponseDecoder(int maxBodyBytes, boolean keepHeaders) {
        this.maxBodyBytes = maxBodyBytes;
        this.keepHeaders = keepHeaders;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            switch (state) {
                case STATUS -> {
                    int eol = line(in, out, MAX_LINE_BYTES);
                    if (eol < 0) {
                        return;
                    }
                    if (!statusLine(in, eol)) {
                        fail(in, out, FailureReason.INVALID_RESPONSE);
                        return;
                    }
                    state = State.HEADERS;
                }
                case HEADERS, TRAILERS -> {
                    int eol = line(in, out, Math.min(MAX_LINE_BYTES, MAX_HEADER_BYTES - headerBytes));
                    if (eol < 0) {
                        return;
                    }
                    int length = eol - in.readerIndex();
                    headerBytes += length + 1;
                    int contentEnd = length > 0 && in.getByte(eol - 1) == '\r' ? eol - 1 : eol;
                    if (contentEnd == in.readerIndex()) {
                        in.readerIndex(eol + 1);
                        if (state == State.TRAILERS) {
                            emit(out, body);
                        } else if (!headersDone(ctx, in, out)) {
                            return;
                        }
                    } else if (state == State.TRAILERS) {
                        in.readerIndex(eol + 1); // trailer fields carry nothing the appliance uses
                    } else if (!headerLine(in, contentEnd)) {
                        fail(in, out, FailureReason.INVALID_RESPONSE);
                        return;
                    } else {
                        in.readerIndex(eol + 1);
                    }
                }
                case FIXED -> {
                    if (!in.isReadable()) {
                        return;
                    }
                    if (body == null && in.readableBytes() >= remaining) {
                        emit(out, in.readRetainedSlice((int) remaining)); // the whole body is here: no copy
                        continue;
                    }
                    if (body == null) {
                        body = ctx.alloc().buffer((int) remaining);
                    }
                    int n = (int) Math.min(remaining, in.readableBytes());
                    body.writeBytes(in, n);
                    remaining -= n;
                    if (remaining > 0) {
                        return;
                    }
                    emit(out, body);
                }
                case CHUNK_SIZE -> {
                    int eol = line(in, out, MAX_LINE_BYTES);
                    if (eol < 0) {
                        return;
                    }
                    long size = chunkSize(in, eol);
                    in.readerIndex(eol + 1);
                    if (size < 0) {
                        fail(in, out, FailureReason.INVALID_RESPONSE);
                        return;
                    }
                    if (body.readableBytes() + size > maxBodyBytes) {
                        fail(in, out, FailureReason.TOO_LARGE);
                        return;
                    }
                    remaining = size;
                    headerBytes = 0;
                    state = size == 0 ? State.TRAILERS : State.CHUNK_DATA;
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    body.writeBytes(in, n);
                    remaining -= n;
                    if (remaining > 0) {
                        return;
                    }
                    state = State.CHUNK_END;
                }
                case CHUNK_END -> {
                    if (in.readableBytes() < 1) {
                        return;
                    }
                    byte b = in.getByte(in.readerIndex());
                    if (b == '\n') {
                        in.skipBytes(1);
                    } else if (b == '\r') {
                        if (in.readableBytes() < 2) {
                            return;
                        }
                        if (in.getByte(in.readerIndex() + 1) != '\n') {
                            fail(in, out, FailureReason.INVALID_RESPONSE);
                            return;
                        }
                        in.skipBytes(2);
                    } else {
                        fail(in, out, FailureReason.INVALID_RESPONSE);
                        return;
                    }
                    state = State.CHUNK_SIZE;
                }
                case UNTIL_CLOSE -> {
                    if (body.readableBytes() + (long) in.readableBytes() > maxBodyBytes) {
                        fail(in, out, FailureReason.TOO_LARGE);
                        return;
                    }
                    body.writeBytes(in);
                    return;
                }
                case BAD -> {
                    in.skipBytes(in.readableBytes());
                    return;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        decode(ctx, in, out);
        if (state == State.UNTIL_CLOSE) {
            emit(out, body); // the close ends the body
        }
        // Any other state mid-answer: the answer is cut short; the connection's close fails its call.
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releaseBody();
    }

    private static final int INCOMPLETE = -1;
    private static final int TOO_LONG = -2;

    /**
     * Index of the LF ending the line at the reader index; -1 while the line is incomplete, and
     * -1 after failing the answer as too large when it runs past {@code max} bytes.
     */
    private int line(ByteBuf in, List<Object> out, int max) {
        int eol = lineEnd(in, max);
        if (eol == TOO_LONG) {
            fail(in, out, FailureReason.TOO_LARGE);
        }
        return eol < 0 ? -1 : eol;
    }

    /** Index of the LF ending the line at the reader index; INCOMPLETE, or TOO_LONG past {@code max} bytes. */
    private static int lineEnd(ByteBuf in, int max) {
        int start = in.readerIndex();
        int scan = Math.min(in.readableBytes(), max + 1);
        int lf = in.indexOf(start, start + scan, (byte) '\n');
        if (lf >= 0) {
            return lf - start <= max ? lf : TOO_LONG;
        }
        return in.readableBytes() > max ? TOO_LONG : INCOMPLETE;
    }

    /** {@code HTTP/1.x SSS[ reason]}; consumes the line and resets the answer's state. */
    private boolean statusLine(ByteBuf in, int eol) {
        int p = in.readerIndex();
        int end = eol > p && in.getByte(eol - 1) == '\r' ? eol - 1 : eol;
        in.readerIndex(eol + 1);
        if (end - p < 12 || in.getByte(p) != 'H' || in.getByte(p + 1) != 'T' || in.getByte(p + 2) != 'T'
                || in.getByte(p + 3) != 'P' || in.getByte(p + 4) != '/' || in.getByte(p + 5) != '1'
                || in.getByte(p + 6) != '.' || !digit(in.getByte(p + 7)) || in.getByte(p + 8) != ' '
                || (end - p > 12 && in.getByte(p + 12) != ' ')) {
            return false;
        }
        int code = 0;
        for (int i = p + 9; i < p + 12; i++) {
            byte b = in.getByte(i);
            if (!digit(b)) {
                return false;
            }
            code = code * 10 + (b - '0');
        }
        if (code < 100) {
            return false;
        }
        status = code;
        headers = keepHeaders ? new DefaultHttpHeaders() : null;
        contentLength = -1;
        chunked = false;
        headerBytes = 0;
        return true;
    }

    /** One {@code name: value} line between the reader index and {@code end}; false when malformed. */
    private boolean headerLine(ByteBuf in, int end) {
        int p = in.readerIndex();
        byte first = in.getByte(p);
        if (first == ' ' || first == '\t') {
            return false; // obs-fold
        }
        int colon = in.indexOf(p, end, (byte) ':');
        if (colon <= p) {
            return false;
        }
        for (int i = p; i < colon; i++) {
            byte b = in.getByte(i);
            if (b <= ' ' || b >= 127 || b == '"' || b == '(' || b == ')' || b == ',' || b == '/' || b == ';'
                    || b == '<' || b == '=' || b == '>' || b == '?' || b == '@' || b == '[' || b == '\\'
                    || b == ']' || b == '{' || b == '}') {
                return false;
            }
        }
        int vStart = colon + 1;
        int vEnd = end;
        while (vStart < vEnd && isSpace(in.getByte(vStart))) {
            vStart++;
        }
        while (vEnd > vStart && isSpace(in.getByte(vEnd - 1))) {
            vEnd--;
        }
        for (int i = vStart; i < vEnd; i++) {
            int c = in.getByte(i) & 0xFF; // 0x80..0xFF is obs-text, allowed in a value
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                return false; // a control character (a bare CR among them): not a field value
            }
        }
        int nameLength = colon - p;
        if (nameIs(in, p, nameLength, CONTENT_LENGTH)) {
            long n = decimal(in, vStart, vEnd);
            if (n < 0 || (contentLength >= 0 && contentLength != n)) {
                return false;
            }
            contentLength = n;
        } else if (nameIs(in, p, nameLength, TRANSFER_ENCODING)) {
            if (chunked || !in.toString(vStart, vEnd - vStart, StandardCharsets.ISO_8859_1).trim()
                    .equalsIgnoreCase("chunked")) {
                return false; // only "chunked", once: nothing else can be framed safely
            }
            chunked = true;
        }
        if (headers != null) {
            headers.add(in.toString(p, nameLength, StandardCharsets.ISO_8859_1),
                    in.toString(vStart, vEnd - vStart, StandardCharsets.ISO_8859_1));
        }
        return true;
    }

    /** The blank line after the headers: decides how the body is framed. False when decoding must stop. */
    private boolean headersDone(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (chunked && contentLength >= 0) {
            fail(in, out, FailureReason.INVALID_RESPONSE);
            return false;
        }
        if (status < 200) {
            if (status == 101) {
                fail(in, out, FailureReason.INVALID_RESPONSE);
                return false;
            }
            state = State.STATUS; // an interim answer: the final one follows
            return true;
        }
        if (status == 204 || status == 304 || contentLength == 0) {
            emit(out, ctx.alloc().buffer(0));
        } else if (chunked) {
            body = ctx.alloc().buffer();
            state = State.CHUNK_SIZE;
        } else if (contentLength > 0) {
            if (contentLength > maxBodyBytes) {
                fail(in, out, FailureReason.TOO_LARGE);
                return false;
            }
            remaining = contentLength;
            state = State.FIXED;
        } else {
            body = ctx.alloc().buffer();
            state = State.UNTIL_CLOSE;
        }
        return true;
    }

    /** The hex size of a chunk-size line (extensions ignored), or -1. Sizes over 2^31 are refused. */
    private static long chunkSize(ByteBuf in, int eol) {
        int p = in.readerIndex();
        long size = 0;
        int digits = 0;
        for (int i = p; i < eol; i++) {
            byte b = in.getByte(i);
            int v = Character.digit(b, 16);
            if (v < 0) {
                if (b == ';' || b == ' ' || b == '\t' || b == '\r') {
                    break;
                }
                return -1;
            }
            size = size * 16 + v;
            if (++digits > 8) {
                return -1;
            }
        }
        return digits == 0 || size > Integer.MAX_VALUE ? -1 : size;
    }

    private static long decimal(ByteBuf in, int from, int to) {
        if (from == to || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            byte b = in.getByte(i);
            if (!digit(b)) {
                return -1;
            }
            n = n * 10 + (b - '0');
        }
        return n;
    }

    private static boolean nameIs(ByteBuf in, int p, int length, byte[] lowerName) {
        if (length != lowerName.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int b = in.getByte(p + i);
            if ((b >= 'A' && b <= 'Z' ? b + 32 : b) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }

    private void emit(List<Object> out, ByteBuf content) {
        out.add(PolicyResponse.of(status, headers, content));
        body = null;
        headers = null;
        state = State.STATUS;
    }

    private void fail(ByteBuf in, List<Object> out, FailureReason reason) {
        releaseBody();
        in.skipBytes(in.readableBytes());
        out.add(PolicyResponse.failed(reason));
        state = State.BAD;
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
