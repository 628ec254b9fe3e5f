package dev.arbiter.benchmarks;

import dev.arbiter.appliance.http.UpstreamRequestWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
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
 * The head of a request going to a backend, from a decoded browser request: hop-by-hop fields
 * left out (with {@code Connection: keep-alive, x-trace} when {@code hopByHop=true}), then
 * {@code X-Forwarded-For}, {@code X-Forwarded-Proto} and {@code Via}.
 *
 * <ul>
 *   <li>{@link #writeHead}: the appliance, {@link UpstreamRequestWriter#head} straight into a
 *   pooled buffer; no header map is touched.</li>
 *   <li>{@link #stripRewriteAndEncode}, its baseline twin: the way it was done before, on a copy of
 *   the header map (the strip mutates it): {@link MapHopByHop#strip}, three {@code set}s, then
 *   Netty's {@link HttpRequestEncoder} (in an {@link EmbeddedChannel}).</li>
 *   <li>{@link #copyOnly}: the map copy the baseline needs, to subtract.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// As on the appliance's event loops: the allocator's thread cache on, leak tracking off.
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.allocator.useCacheForAllThreads=true", "-Dio.netty.leakDetection.level=disabled"})
public class RequestHeadBenchmark {

    private static final String VIA = "1.1 arbiter";
    private static final byte[] VIA_BYTES = VIA.getBytes(StandardCharsets.US_ASCII);
    private static final String CLIENT = "203.0.113.9";

    @Param({"false", "true"})
    public boolean hopByHop;

    private HttpRequest request;
    private EmbeddedChannel encoder;

    @Setup(Level.Trial)
    public void setUp() {
        request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/catalog/item?id=5&ref=home");
        // Names and values as AsciiString, as Netty's request decoder makes them.
        HttpHeaders h = request.headers();
        String[] fields = {
            "host", "shop.example.com",
            "user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0",
            "accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "accept-language", "en-GB,en;q=0.9",
            "accept-encoding", "gzip, deflate, br",
            "cookie", "session=abc123; theme=dark; _ga=GA1.2.3",
            "referer", "https://shop.example.com/catalog",
            "upgrade-insecure-requests", "1",
            "x-forwarded-for", "198.51.100.7",
        };
        String[] hop = {"connection", "keep-alive, x-trace", "x-trace", "1", "keep-alive", "timeout=5", "te", "trailers"};
        for (String[] set : hopByHop ? new String[][] {fields, hop} : new String[][] {fields}) {
            for (int i = 0; i < set.length; i += 2) {
                h.add(AsciiString.of(set[i]), AsciiString.of(set[i + 1]));
            }
        }
        encoder = new EmbeddedChannel(new HttpRequestEncoder());
        encoder.config().setAllocator(PooledByteBufAllocator.DEFAULT);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoder.finishAndReleaseAll();
    }

    @Benchmark
    public int writeHead() {
        ByteBuf head = UpstreamRequestWriter.head(PooledByteBufAllocator.DEFAULT, request, CLIENT, VIA_BYTES, "10.0.0.7:8080");
        int n = head.readableBytes();
        head.release();
        return n;
    }

    @Benchmark
    public HttpHeaders copyOnly() {
        return new DefaultHttpHeaders().add(request.headers());
    }

    @Benchmark
    public boolean stripRewriteAndEncode() {
        HttpRequest copy = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri(),
                new DefaultHttpHeaders().add(request.headers()));
        HttpHeaders h = copy.headers();
        MapHopByHop.strip(h);
        String xff = h.get("x-forwarded-for");
        h.set("x-forwarded-for", xff == null ? CLIENT : xff + ", " + CLIENT);
        h.set("x-forwarded-proto", "http");
        String via = h.get(HttpHeaderNames.VIA);
        h.set(HttpHeaderNames.VIA, via == null ? VIA : via + ", " + VIA);
        encoder.writeOutbound(copy, LastHttpContent.EMPTY_LAST_CONTENT);
        return encoder.releaseOutbound();
    }
}
