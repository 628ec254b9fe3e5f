package dev.arbiter.tools.policy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * What the server does about one request: write a response, or close the connection without
 * one. (Never answering, the {@code hang} failure, is the absence of a Reply.)
 */
final class Reply {

    /**
     * Headers of a buffer-bodied JSON answer: only the two this class sets, a constant type and
     * a length, so they skip validation; nothing adds headers to such an answer later.
     */
    private static final DefaultHttpHeadersFactory NATIVE_HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final FullHttpResponse response;

    private Reply(FullHttpResponse response) {
        this.response = response;
    }

    static Reply close() {
        return new Reply(null);
    }

    static Reply of(FullHttpResponse response) {
        return new Reply(response);
    }

    static Reply json(int status, byte[] body) {
        return withBody(status, HttpHeaderValues.APPLICATION_JSON.toString(), body);
    }

    /**
     * A JSON answer already in a buffer, which the Reply now owns: the native batch answer. Its
     * trailers are the shared empty set, since a response with a {@code Content-Length} never
     * sends any.
     */
    static Reply json(int status, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), body, NATIVE_HEADERS.newHeaders(), EmptyHttpHeaders.INSTANCE);
        response.headers()
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
            .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return new Reply(response);
    }

    static Reply text(int status, String body) {
        return withBody(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    static Reply withBody(int status, String contentType, byte[] body) {
        FullHttpResponse response = response(status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        return new Reply(response);
    }

    static FullHttpResponse response(int status, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }

    /** Headers of the response; only for replies that have one. */
    HttpHeaders headers() {
        return response.headers();
    }

    void writeTo(ChannelHandlerContext ctx) {
        if (response == null) {
            ctx.close();
        } else {
            ctx.writeAndFlush(response);
        }
    }

    void discard() {
        if (response != null) {
            response.release();
        }
    }
}
