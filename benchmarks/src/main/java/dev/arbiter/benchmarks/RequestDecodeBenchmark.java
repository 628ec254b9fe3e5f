package dev.arbiter.benchmarks;

import dev.arbiter.appliance.http.Authority;
import dev.arbiter.appliance.http.StrictRequestDecoder;
import dev.arbiter.appliance.http.TargetPath;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
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
 * A client request's head decoded as a listener decodes it, from bytes to the request routing
 * reads: a load generator's two-line request ({@code wrk}) and a browser's ({@code browser}).
 *
 * <ul>
 *   <li>{@link #strictDecodeAndCheck}: the appliance: {@link StrictRequestDecoder} (Netty's
 *   decoder plus the scan for obs-fold and a second Host line, the request-target's bytes and the
 *   version), then the checks the connection runs on every request: the Host value
 *   ({@link Authority#isValid}) and the path's normal form ({@link TargetPath#normalize}).</li>
 *   <li>{@link #nettyDecode}, its baseline twin: Netty's {@link HttpRequestDecoder} with the same
 *   settings and nothing else; the difference is what the appliance's own checks cost.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// As on the appliance's event loops: the allocator's thread cache on, leak tracking off.
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.allocator.useCacheForAllThreads=true", "-Dio.netty.leakDetection.level=disabled"})
public class RequestDecodeBenchmark {

    @Param({"wrk", "browser"})
    public String request;

    private ByteBuf bytes;
    private EmbeddedChannel strict;
    private EmbeddedChannel netty;

    @Setup(Level.Trial)
    public void setUp() {
        String head = request.equals("wrk")
                ? "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
                : "GET /catalog/item?id=5&ref=home HTTP/1.1\r\n"
                + "Host: shop.example.com\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0\r\n"
                + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                + "Accept-Language: en-GB,en;q=0.9\r\n"
                + "Accept-Encoding: gzip, deflate, br\r\n"
                + "Cookie: session=abc123; theme=dark; _ga=GA1.2.3\r\n"
                + "Referer: https://shop.example.com/catalog\r\n"
                + "Upgrade-Insecure-Requests: 1\r\n"
                + "Connection: keep-alive\r\n\r\n";
        bytes = PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        strict = new EmbeddedChannel(new StrictRequestDecoder(8192, 16384));
        netty = new EmbeddedChannel(new HttpRequestDecoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(16384)
                .setMaxChunkSize(64 * 1024)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true)
                .setValidateHeaders(true)));
        for (EmbeddedChannel ch : new EmbeddedChannel[] {strict, netty}) {
            ch.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        }
        if (!strictDecodeAndCheck() || !nettyDecode()) {
            throw new IllegalStateException("the request did not decode");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        strict.finishAndReleaseAll();
        netty.finishAndReleaseAll();
        bytes.release();
    }

    @Benchmark
    public boolean strictDecodeAndCheck() {
        HttpRequest r = decode(strict);
        String host = r.headers().get(HttpHeaderNames.HOST);
        boolean ok = !r.decoderResult().isFailure() && Authority.isValid(host, 0, host.length())
                && TargetPath.normalize(r.uri()) == r.uri();
        drain(strict);
        return ok;
    }

    @Benchmark
    public boolean nettyDecode() {
        HttpRequest r = decode(netty);
        boolean ok = !r.decoderResult().isFailure();
        drain(netty);
        return ok;
    }

    private HttpRequest decode(EmbeddedChannel ch) {
        ch.writeInbound(bytes.retainedDuplicate());
        return ch.readInbound();
    }

    /** The request's end (Netty's empty last content for a request without a body). */
    private static void drain(EmbeddedChannel ch) {
        Object o;
        while ((o = ch.readInbound()) != null) {
            ReferenceCountUtil.release(o);
        }
    }
}
