package dev.arbiter.benchmarks;

import dev.arbiter.appliance.route.RoutingTable;
import dev.arbiter.appliance.route.VirtualService;
import dev.arbiter.benchmarks.BenchConfigs.ServiceShape;
import java.util.HashMap;
import java.util.Map;
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
 * Virtual-service match ({@code RoutingTable.match}) at 1, 100 and 10,000 services, for three
 * shapes of service table: distinct exact hosts, distinct {@code *.suffix} hosts, and distinct
 * path prefixes under one {@code *} host. Lookups rotate over 256 services spread across the
 * table. {@link #matchMixedCaseWithPort} sends {@code Svc-7.Example.COM:8080}, which forces the
 * host normalisation to allocate. Baseline twin: {@link #baselineHashMapGet}, one
 * {@code HashMap} probe by host, the floor for any host-keyed lookup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MatchBenchmark {

    @Param({"1", "100", "10000"})
    public int services;

    @Param({"EXACT_HOST", "SUFFIX_HOST", "PATH_PREFIX"})
    public ServiceShape shape;

    private RoutingTable table;
    private final String[] hosts = new String[256];
    private final String[] upperHosts = new String[256];
    private final String[] paths = new String[256];
    private final Map<String, Integer> baseline = new HashMap<>();
    private int next;

    @Setup
    public void setUp() {
        table = BenchConfigs.table("round-robin", 2, services, shape);
        for (int k = 0; k < hosts.length; k++) {
            int i = (int) ((long) k * services / hosts.length);
            hosts[k] = BenchConfigs.hostFor(shape, i);
            upperHosts[k] = hosts[k].toUpperCase(java.util.Locale.ROOT) + ":8080";
            paths[k] = BenchConfigs.pathFor(shape, i);
            VirtualService vs = table.match("web", hosts[k], paths[k]);
            if (vs == null || !vs.name().equals("svc-" + i)) {
                throw new IllegalStateException("expected svc-" + i + " for " + hosts[k] + paths[k] + ", got " + vs);
            }
        }
        for (int i = 0; i < services; i++) {
            baseline.put(BenchConfigs.hostFor(shape, i), i);
        }
    }

    @Benchmark
    public VirtualService match() {
        int k = next;
        next = (k + 1) & 255;
        return table.match("web", hosts[k], paths[k]);
    }

    @Benchmark
    public VirtualService matchMixedCaseWithPort() {
        int k = next;
        next = (k + 1) & 255;
        return table.match("web", upperHosts[k], paths[k]);
    }

    @Benchmark
    public Integer baselineHashMapGet() {
        int k = next;
        next = (k + 1) & 255;
        return baseline.get(hosts[k]);
    }
}
