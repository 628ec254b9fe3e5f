package dev.arbiter.benchmarks;

import dev.arbiter.appliance.http.HopByHop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The upstream header rewrite on a realistic browser request: hop-by-hop stripping (RFC 9110
 * 7.6.1, including the fields {@code Connection} names), then {@code X-Forwarded-For},
 * {@code X-Forwarded-Proto} and {@code Via}, as {@code ClientConnection.prepareUpstreamHead}
 * does. Stripping mutates, so each op first copies the template; {@link #baselineCopy} is that
 * copy alone, to subtract. {@link #stripClean} strips a header set with nothing to strip (the
 * common HTTP/1.1 case) in place, no copy needed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HopByHopBenchmark {

    private static final String VIA = "1.1 arbiter";
    private static final String CLIENT = "203.0.113.9";

    private final HttpHeaders withHopByHop = browserHeaders()
            .add("connection", "keep-alive, x-trace")
            .add("x-trace", "1")
            .add("keep-alive", "timeout=5")
            .add("te", "trailers");
    private final HttpHeaders clean = browserHeaders();

    private static HttpHeaders browserHeaders() {
        return new DefaultHttpHeaders()
                .add("host", "shop.example.com")
                .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0")
                .add("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
                .add("accept-language", "en-GB,en;q=0.9")
                .add("accept-encoding", "gzip, deflate, br")
                .add("cookie", "session=abc123; theme=dark; _ga=GA1.2.3")
                .add("referer", "https://shop.example.com/catalog")
                .add("upgrade-insecure-requests", "1")
                .add("x-forwarded-for", "198.51.100.7");
    }

    @Benchmark
    public HttpHeaders baselineCopy() {
        return new DefaultHttpHeaders().add(withHopByHop);
    }

    @Benchmark
    public HttpHeaders copyAndStrip() {
        HttpHeaders h = new DefaultHttpHeaders().add(withHopByHop);
        HopByHop.strip(h);
        return h;
    }

    @Benchmark
    public HttpHeaders copyStripAndRewrite() {
        HttpHeaders h = new DefaultHttpHeaders().add(withHopByHop);
        HopByHop.strip(h);
        String xff = h.get("x-forwarded-for");
        h.set("x-forwarded-for", xff == null ? CLIENT : xff + ", " + CLIENT);
        h.set("x-forwarded-proto", "http");
        String via = h.get(HttpHeaderNames.VIA);
        h.set(HttpHeaderNames.VIA, via == null ? VIA : via + ", " + VIA);
        return h;
    }

    @Benchmark
    public HttpHeaders stripClean() {
        HopByHop.strip(clean);
        return clean;
    }
}
