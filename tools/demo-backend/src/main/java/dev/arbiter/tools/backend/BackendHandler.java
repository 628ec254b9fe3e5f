package dev.arbiter.tools.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/** Reads one request at a time, body streamed and checksummed, then answers as the query asks. */
final class BackendHandler extends ChannelInboundHandlerAdapter {

    private static final int CHUNK = 64 * 1024;
    private static final ByteBuf FILLER = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(filler()).asReadOnly());

    private final DemoBackend backend;
    private final CRC32 crc = new CRC32();
    private HttpRequest request;
    private long bodyBytes;
    private long toStream;
    private boolean keepAlive;

    BackendHandler(DemoBackend backend) {
        this.backend = backend;
    }

    private static byte[] filler() {
        byte[] b = new byte[CHUNK];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest r) {
                onRequest(ctx, r);
            }
            if (msg instanceof HttpContent c && request != null) {
                ByteBuf content = c.content();
                bodyBytes += content.readableBytes();
                if (content.hasArray()) {
                    crc.update(content.array(), content.arrayOffset() + content.readerIndex(), content.readableBytes());
                } else {
                    crc.update(content.nioBuffer());
                }
                if (msg instanceof LastHttpContent) {
                    onRequestComplete(ctx);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(ChannelHandlerContext ctx, HttpRequest r) {
        if (!r.decoderResult().isSuccess()) {
            ctx.close();
            return;
        }
        boolean health = r.uri().equals("/healthz");
        if (!health) {
            backend.onRequestStarted();
            switch (backend.behaviour()) {
                case RESET_BEFORE_HEADER -> {
                    reset(ctx);
                    return;
                }
                default -> { }
            }
        }
        request = r;
        bodyBytes = 0;
        crc.reset();
    }

    private void onRequestComplete(ChannelHandlerContext ctx) {
        HttpRequest r = request;
        request = null;
        keepAlive = HttpUtil.isKeepAlive(r);
        if (r.uri().equals("/healthz")) {
            HttpResponseStatus status = backend.healthy() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
            respond(ctx, status, r, text(status.code() == 200 ? "ok\n" : "unhealthy\n"));
            return;
        }
        int remotePort = ((InetSocketAddress) ctx.channel().remoteAddress()).getPort();
        backend.onRequestReceived(new ReceivedRequest(r.method().name(), r.uri(),
                new DefaultHttpHeaders().add(r.headers()), bodyBytes, crc.getValue(), remotePort));
        DemoBackend.Behaviour behaviour = backend.behaviour();
        if (behaviour == DemoBackend.Behaviour.STALL) {
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(r.uri());
        HttpResponseStatus status = HttpResponseStatus.valueOf(intParam(query, "status", 200));
        if (behaviour == DemoBackend.Behaviour.FAIL_500) {
            status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
        }
        long stream = intParam(query, "bytes", -1);
        String body = "backend=" + backend.name() + " method=" + r.method() + " uri=" + r.uri()
                + " body-bytes=" + bodyBytes + " crc32=" + Long.toHexString(crc.getValue()) + "\n";
        int delayMs = intParam(query, "delay-ms", 0);
        HttpResponseStatus finalStatus = status;
        Runnable answer = () -> {
            if (behaviour == DemoBackend.Behaviour.RESET_AFTER_HEADER) {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, finalStatus);
                head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 1_000_000);
                ctx.write(head);
                ctx.writeAndFlush(new DefaultHttpContent(FILLER.retainedSlice(0, 1000)))
                        .addListener(f -> reset(ctx));
            } else if (stream >= 0) {
                startStream(ctx, finalStatus, r, stream);
            } else {
                respond(ctx, finalStatus, r, text(body));
            }
        };
        if (delayMs > 0) {
            ctx.executor().schedule(answer, delayMs, TimeUnit.MILLISECONDS);
        } else {
            answer.run();
        }
    }

    private static int intParam(QueryStringDecoder q, String name, int dflt) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? dflt : Integer.parseInt(v.get(0));
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private void respond(ChannelHandlerContext ctx, HttpResponseStatus status, HttpRequest r, ByteBuf body) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set("X-Backend", backend.name());
        addRequestedHeaders(head, r);
        if (!keepAlive) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.write(head);
        var done = ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultLastHttpContent(body));
        if (!keepAlive) {
            done.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** {@code hdr=Name:Value} query parameters become response headers (for header-handling tests). */
    private static void addRequestedHeaders(HttpResponse head, HttpRequest r) {
        List<String> extra = new QueryStringDecoder(r.uri()).parameters().get("hdr");
        if (extra == null) {
            return;
        }
        for (String h : extra) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                head.headers().add(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
            }
        }
    }

    private void startStream(ChannelHandlerContext ctx, HttpResponseStatus status, HttpRequest r, long bytes) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream")
                .set(HttpHeaderNames.CONTENT_LENGTH, bytes)
                .set("X-Backend", backend.name());
        addRequestedHeaders(head, r);
        ctx.write(head);
        toStream = bytes;
        pump(ctx);
    }

    /** Writes filler while the channel is writable; resumes from channelWritabilityChanged. */
    private void pump(ChannelHandlerContext ctx) {
        while (toStream > 0 && ctx.channel().isWritable()) {
            int n = (int) Math.min(CHUNK, toStream);
            toStream -= n;
            ctx.write(new DefaultHttpContent(FILLER.retainedSlice(0, n)));
        }
        if (toStream == 0) {
            toStream = -1;
            var done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!keepAlive) {
                done.addListener(ChannelFutureListener.CLOSE);
            }
        } else {
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (toStream > 0 && ctx.channel().isWritable()) {
            pump(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    private static void reset(ChannelHandlerContext ctx) {
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
