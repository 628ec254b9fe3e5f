package dev.arbiter.benchmarks;

import dev.arbiter.appliance.route.Backend;
import dev.arbiter.appliance.route.Picker;
import dev.arbiter.appliance.route.RoutingTable;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One local algorithm's pick, as an event loop calls it per request, over pools of 2, 16 and
 * 1,000 backends. Clients rotate over 64 addresses so consistent hashing does not hit one ring
 * point. Baseline twin: {@link #baselineArrayIndex}, the cheapest possible pick (an index into
 * the backend array), i.e. the floor every algorithm is compared with.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PickBenchmark {

    @Param({"round-robin", "weighted-round-robin", "least-outstanding", "consistent-hash"})
    public String algorithm;

    @Param({"2", "16", "1000"})
    public int backends;

    private Picker picker;
    private Backend[] array;
    private final HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/catalog?item=5");
    private final InetAddress[] clients = new InetAddress[64];
    private int next;

    @Setup
    public void setUp() throws UnknownHostException {
        RoutingTable table = BenchConfigs.table(algorithm, backends, 1, BenchConfigs.ServiceShape.EXACT_HOST);
        picker = table.pool("p").picker(0);
        array = table.pool("p").backends().toArray(new Backend[0]);
        request.headers().set("host", "svc-0.example.com");
        for (int i = 0; i < clients.length; i++) {
            clients[i] = InetAddress.getByAddress(new byte[] {(byte) 203, 0, (byte) 113, (byte) (i + 1)});
        }
        if (picker.pick(request, clients[0], null, System.currentTimeMillis()) == null) {
            throw new IllegalStateException("picker returned no backend");
        }
    }

    @Benchmark
    public Backend pick() {
        int i = next;
        next = (i + 1) & 63;
        return picker.pick(request, clients[i], null, 1_000_000L);
    }

    @Benchmark
    public Backend baselineArrayIndex() {
        int i = next;
        next = (i + 1) & 63;
        return array[i % array.length];
    }
}
