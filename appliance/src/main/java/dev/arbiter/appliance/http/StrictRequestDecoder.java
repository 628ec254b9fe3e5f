package dev.arbiter.appliance.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Netty's request decoder, run strictly (bare LF, CL with TE, differing duplicate CL and
 * non-final chunked are already refused there), plus the checks it lacks: obs-fold, more than
 * one Host line, the request-target's bytes and the protocol version.
 *
 * <p>Netty joins a header line that starts with SP or HTAB onto the previous one; RFC 9112 5.2
 * lets a server reject such a line instead, and a proxy should, since the next hop may fold it
 * differently. Before each decode step of a request head, the unparsed head bytes are scanned
 * for an LF followed by SP/HTAB, up to the end of the head; a hit becomes an invalid request
 * carrying {@link RequestRejection#OBS_FOLD}. The same scan counts the complete lines that
 * start with {@code Host:}: a second one becomes {@link RequestRejection#INVALID_HOST} (RFC 9112
 * 3.2), since the balancer routes on one Host and the backend might read another. Netty consumes
 * every complete header line of a partial head, so a line is counted in exactly one scan.
 *
 * <p>The request-target may hold only visible ASCII (RFC 9112 3.2, RFC 3986): a control
 * character, DEL or a byte over 0x7F is {@link RequestRejection#INVALID_TARGET}. A version
 * HTTP/1.x with x &gt; 1 is served as HTTP/1.1 (RFC 9110 2.5); any other major version is
 * {@link RequestRejection#UNSUPPORTED_VERSION} (505).
 *
 * <table>
 *   <caption>What the decoder enforces and what the client sees</caption>
 *   <tr><th>violation</th><th>status</th></tr>
 *   <tr><td>request line longer than max-request-line</td><td>414</td></tr>
 *   <tr><td>header block larger than max-header-size</td><td>431</td></tr>
 *   <tr><td>bare LF, bad chunk size, CL+TE, differing CLs, obs-fold, whitespace before colon</td><td>400</td></tr>
 *   <tr><td>two Host lines; control, DEL or non-ASCII byte in the request-target</td><td>400</td></tr>
 *   <tr><td>major version other than 1</td><td>505</td></tr>
 * </table>
 */
public final class StrictRequestDecoder extends HttpRequestDecoder {

    private final HeadScanner scanner = new HeadScanner();
    private boolean awaitingHead = true;
    private boolean requestLineParsed;
    private boolean rejected;

    public StrictRequestDecoder(int maxRequestLineBytes, int maxHeaderBytes) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(maxRequestLineBytes)
                .setMaxHeaderSize(maxHeaderBytes)
                .setMaxChunkSize(64 * 1024)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true)
                .setValidateHeaders(true));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (rejected) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        if (awaitingHead && buffer.isReadable()) {
            RequestRejection found = scanner.scan(buffer, requestLineParsed);
            if (found != null) {
                rejected = true;
                buffer.skipBytes(buffer.readableBytes());
                DefaultHttpRequest invalid = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
                invalid.setDecoderResult(DecoderResult.failure(found.exception()));
                out.add(invalid);
                return;
            }
        }
        int before = out.size();
        super.decode(ctx, buffer, out);
        for (int i = before; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpMessage) {
                awaitingHead = false;
                requestLineParsed = false;
            }
            if (o instanceof LastHttpContent) {
                awaitingHead = true;
            }
        }
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
        requestLineParsed = true;
        if (!initialLine[2].startsWith("HTTP/")) {
            throw RequestRejection.MALFORMED.exception(); // the protocol name is case-sensitive (RFC 9112 2.3)
        }
        HttpMessage m = super.createMessage(initialLine);
        HttpVersion version = m.protocolVersion();
        if (version.majorVersion() != 1) {
            throw RequestRejection.UNSUPPORTED_VERSION.exception();
        }
        if (version.minorVersion() > 1) {
            m.setProtocolVersion(HttpVersion.HTTP_1_1);
        }
        if (!TargetPath.isVisibleAscii(initialLine[1], "")) {
            throw RequestRejection.INVALID_TARGET.exception();
        }
        return m;
    }

    /**
     * Whether part of a next request is here: its request line parsed and its head not complete,
     * or bytes of it not decoded yet. Called on the event loop, between decode steps.
     */
    public boolean holdsPartialRequest() {
        return awaitingHead && !rejected && (requestLineParsed || actualReadableBytes() > 0);
    }

    /**
     * Finds obs-fold and a second Host line in the head bytes at the reader index. Netty consumes
     * whole lines, so once the request line is parsed the reader index is always at the start of
     * a header line; {@link #hostLines} carries the complete Host lines of earlier scans of the
     * same head and starts again with a scan from the request line.
     */
    private static final class HeadScanner {
        private int hostLines;

        /**
         * Scans the head bytes at the reader index: line by line, each line end found with
         * {@link ByteBuf#indexOf} (a word at a time), each line start checked for SP/HTAB
         * (obs-fold) and for {@code Host:}. A Host line counts once its line end is here: Netty
         * consumes only whole lines, so a partial one is scanned again with the next bytes.
         */
        RequestRejection scan(ByteBuf buffer, boolean atHeaderLineStart) {
            int i = buffer.readerIndex();
            int end = buffer.writerIndex();
            if (!atHeaderLineStart) {
                hostLines = 0;
                // Leading empty lines before the request line are skipped by the decoder.
                while (i < end && (buffer.getByte(i) == '\r' || buffer.getByte(i) == '\n')) {
                    i++;
                }
                int lf = i < end ? buffer.indexOf(i, end, (byte) '\n') : -1;
                if (lf < 0) {
                    return null;
                }
                i = lf + 1;
            }
            while (i < end) {
                byte b = buffer.getByte(i);
                if (b == ' ' || b == '\t') {
                    return RequestRejection.OBS_FOLD;
                }
                if (b == '\r' || b == '\n') {
                    return null; // the end of the head: what follows is body
                }
                boolean host = (b | 0x20) == 'h' && isHostName(buffer, i, end);
                int lf = buffer.indexOf(i, end, (byte) '\n');
                if (lf < 0) {
                    return null;
                }
                if (host && ++hostLines > 1) {
                    return RequestRejection.INVALID_HOST;
                }
                i = lf + 1;
            }
            return null;
        }

        /** Whether the line at {@code i} starts with "host:", in any case. */
        private static boolean isHostName(ByteBuf buffer, int i, int end) {
            return i + 5 <= end
                    && (buffer.getByte(i + 1) | 0x20) == 'o'
                    && (buffer.getByte(i + 2) | 0x20) == 's'
                    && (buffer.getByte(i + 3) | 0x20) == 't'
                    && buffer.getByte(i + 4) == ':';
        }
    }
}
