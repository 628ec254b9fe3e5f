package dev.arbiter.benchmarks;

import dev.arbiter.appliance.http.ResponseParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Relaying one backend response (an nginx-style head and a 612-byte body, Content-Length or
 * chunked) to the client, as the appliance does it: {@link #relayBytes} reads it with
 * {@link ResponseParser} and writes the relayed head and the body into one output buffer. Its
 * baseline twin {@link #decodeAndEncode} is the way it was done before: Netty's response decoder
 * into objects, hop-by-hop stripping and Via on the header map, Netty's encoder. Both run in an
 * {@link EmbeddedChannel}, so the pipeline's own cost is in both. {@link #parseAndWrite} is the
 * parser and the head writer alone, into a reused buffer: it must allocate nothing.
 * {@link #relayBytes} writes with the channel's void promise, as the appliance does; its twin
 * {@link #relayBytesPromisePerWrite} lets the pipeline make a promise for the write, as the
 * appliance did before.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// As on the appliance's event loops: the allocator's thread cache on, leak tracking off.
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.allocator.useCacheForAllThreads=true", "-Dio.netty.leakDetection.level=disabled"})
public class ResponseRelayBenchmark {

    private static final String VIA = "1.1 arbiter";
    private static final byte[] VIA_BYTES = VIA.getBytes(StandardCharsets.US_ASCII);
    private static final short CRLF = ('\r' << 8) | '\n';

    @Param({"length", "chunked"})
    public String framing;

    private ByteBuf response;
    private EmbeddedChannel relay;
    private EmbeddedChannel relayWithPromises;
    private EmbeddedChannel codec;

    @Setup(Level.Trial)
    public void setUp() {
        String body = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n" + "x".repeat(612 - 58);
        String head = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 22:50:00 GMT\r\n"
                + "Content-Type: text/html\r\nLast-Modified: Tue, 24 Nov 2026 10:00:00 GMT\r\n"
                + "Connection: keep-alive\r\nETag: \"6745c2d0-264\"\r\nAccept-Ranges: bytes\r\n";
        String whole = framing.equals("length")
                ? head + "Content-Length: " + body.length() + "\r\n\r\n" + body
                : head + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
        byte[] bytes = whole.getBytes(StandardCharsets.US_ASCII);
        response = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
        relay = new EmbeddedChannel(new RelayHandler(true));
        relay.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        relayWithPromises = new EmbeddedChannel(new RelayHandler(false));
        relayWithPromises.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        codec = new EmbeddedChannel(new HttpResponseDecoder(), new HttpResponseEncoder(), new RewriteHandler());
        codec.config().setAllocator(PooledByteBufAllocator.DEFAULT);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        relay.finishAndReleaseAll();
        relayWithPromises.finishAndReleaseAll();
        codec.finishAndReleaseAll();
        response.release();
        sink.out.release();
    }

    private final ResponseParser parser = new ResponseParser();
    private final Sink sink = new Sink(PooledByteBufAllocator.DEFAULT.directBuffer(2048));

    @Benchmark
    public int parseAndWrite() {
        sink.out.clear();
        parser.reset(false);
        int reader = response.readerIndex();
        parser.feed(response, sink);
        response.readerIndex(reader);
        return sink.out.writerIndex();
    }

    @Benchmark
    public boolean relayBytes() {
        relay.writeInbound(response.retainedDuplicate());
        return relay.releaseOutbound();
    }

    @Benchmark
    public boolean relayBytesPromisePerWrite() {
        relayWithPromises.writeInbound(response.retainedDuplicate());
        return relayWithPromises.releaseOutbound();
    }

    @Benchmark
    public boolean decodeAndEncode() {
        codec.writeInbound(response.retainedDuplicate());
        return codec.releaseOutbound();
    }

    /** Writes the relayed response into {@link #out}. */
    private static final class Sink implements ResponseParser.Listener {
        ByteBuf out;

        Sink(ByteBuf out) {
            this.out = out;
        }

        @Override
        public void onResponseHead(ResponseParser head) {
            head.writeRelayedHead(out, VIA_BYTES);
            out.writeShort(CRLF);
        }

        @Override
        public void onResponseBody(ByteBuf buf, int index, int length) {
            out.writeBytes(buf, index, length);
        }

        @Override
        public void onResponseEnd() {
        }

        @Override
        public void onResponseMalformed(String why) {
            throw new IllegalStateException(why);
        }
    }

    /** The appliance's relay, reduced to the parser and one output buffer per response. */
    private static final class RelayHandler extends ChannelDuplexHandler {
        private final ResponseParser parser = new ResponseParser();
        private final Sink sink = new Sink(null);
        private final boolean voidPromise;

        RelayHandler(boolean voidPromise) {
            this.voidPromise = voidPromise;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            sink.out = ctx.alloc().ioBuffer(1024);
            parser.reset(false);
            try {
                parser.feed(in, sink); // the whole response is in this one read
            } finally {
                in.release();
            }
            if (voidPromise) {
                ctx.writeAndFlush(sink.out, ctx.voidPromise());
            } else {
                ctx.writeAndFlush(sink.out);
            }
        }
    }

    /** The rewrite the appliance did on decoded responses. */
    private static final class RewriteHandler extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse r) {
                MapHopByHop.strip(r.headers());
                String via = r.headers().get(HttpHeaderNames.VIA);
                r.headers().set(HttpHeaderNames.VIA, via == null ? VIA : via + ", " + VIA);
            }
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
