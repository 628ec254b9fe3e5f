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
import io.netty.util.ByteProcessor;
import java.util.List;

/**
 * Netty's request decoder, run strictly (bare LF, CL with TE, differing duplicate CL and
 * non-final chunked are already refused there), plus the one check it lacks: obs-fold.
 *
 * <p>Netty joins a header line that starts with SP or HTAB onto the previous one; RFC 9112 5.2
 * lets a server reject such a line instead, and a proxy should, since the next hop may fold it
 * differently. Before each decode step of a request head, the unparsed head bytes are scanned
 * for an LF followed by SP/HTAB, up to the end of the head; a hit becomes an invalid request
 * carrying {@link RequestRejection#OBS_FOLD}.
 *
 * <table>
 *   <caption>What the decoder enforces and what the client sees</caption>
 *   <tr><th>violation</th><th>status</th></tr>
 *   <tr><td>request line longer than max-request-line</td><td>414</td></tr>
 *   <tr><td>header block larger than max-header-size</td><td>431</td></tr>
 *   <tr><td>bare LF, bad chunk size, CL+TE, differing CLs, obs-fold, whitespace before colon</td><td>400</td></tr>
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
        if (awaitingHead && buffer.isReadable() && scanner.foldIn(buffer, requestLineParsed)) {
            rejected = true;
            buffer.skipBytes(buffer.readableBytes());
            DefaultHttpRequest invalid = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
            invalid.setDecoderResult(DecoderResult.failure(RequestRejection.OBS_FOLD.exception()));
            out.add(invalid);
            return;
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
        return super.createMessage(initialLine);
    }

    /**
     * Finds obs-fold in the head bytes at the reader index. Netty consumes whole lines, so once
     * the request line is parsed the reader index is always at the start of a header line.
     */
    private static final class HeadScanner implements ByteProcessor {
        private static final int FOLD = 1;
        private static final int END = 2;
        private boolean afterLf;
        private boolean lineSeen;
        private int verdict;

        boolean foldIn(ByteBuf buffer, boolean atHeaderLineStart) {
            afterLf = atHeaderLineStart;
            lineSeen = atHeaderLineStart;
            verdict = 0;
            buffer.forEachByte(this);
            return verdict == FOLD;
        }

        @Override
        public boolean process(byte b) {
            if (!lineSeen) {
                // Leading empty lines before the request line are skipped by the decoder.
                if (b == '\r' || b == '\n') {
                    return true;
                }
                lineSeen = true;
                afterLf = false;
                return true;
            }
            if (afterLf) {
                if (b == ' ' || b == '\t') {
                    verdict = FOLD;
                    return false;
                }
                if (b == '\r' || b == '\n') {
                    verdict = END;
                    return false;
                }
            }
            afterLf = b == '\n';
            return true;
        }
    }
}
