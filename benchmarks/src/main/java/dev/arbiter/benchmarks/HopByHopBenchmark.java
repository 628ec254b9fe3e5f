package dev.arbiter.benchmarks;

import dev.arbiter.appliance.http.HopByHop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Warmup;

/** Hop-by-hop stripping on a realistic browser request header set. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HopByHopBenchmark {

    private final HttpHeaders template = new DefaultHttpHeaders()
            .add("host", "shop.example.com")
            .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0")
            .add("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
            .add("accept-language", "en-GB,en;q=0.9")
            .add("accept-encoding", "gzip, deflate, br")
            .add("cookie", "session=abc123; theme=dark; _ga=GA1.2.3")
            .add("connection", "keep-alive, x-trace")
            .add("x-trace", "1")
            .add("keep-alive", "timeout=5")
            .add("upgrade-insecure-requests", "1");
    private HttpHeaders headers;

    @Setup(Level.Invocation)
    public void copy() {
        headers = new DefaultHttpHeaders().add(template);
    }

    @Benchmark
    public HttpHeaders strip() {
        HopByHop.strip(headers);
        return headers;
    }
}
