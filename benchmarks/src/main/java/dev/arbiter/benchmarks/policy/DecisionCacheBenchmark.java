package dev.arbiter.benchmarks.policy;

import dev.arbiter.appliance.policy.Decision;
import dev.arbiter.appliance.policy.DecisionCache;
import dev.arbiter.appliance.policy.PendingRequest;
import dev.arbiter.appliance.policy.Scope;
import dev.arbiter.appliance.policy.SummarySlot;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decision cache lookup on the event loop: a hit (the request's scoped fields match a live entry
 * among 10,000) and a miss; and a new decision filed into a full cache. All should be 0 B/op
 * under {@code -prof gc}.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecisionCacheBenchmark {

    private PolicyBench bench;
    private DecisionCache cache;
    private InetAddress client;
    private final String[] headerValues = new String[SummarySlot.MAX_HEADERS];
    private long now;
    private DecisionCache full;
    private Decision forward;
    private PendingRequest[] newKeys;
    private int nextKey;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        bench = new PolicyBench();
        cache = new DecisionCache(65_536);
        cache.ensureGeneration(bench.table, 1);
        InetSocketAddress peer = new InetSocketAddress("203.0.113.9", 51234);
        client = peer.getAddress();
        forward = new Decision(Decision.Action.FORWARD, null, null, null, "/canonical", "", List.of(),
                List.of(), 0, List.of(), null, 3_600_000, new Scope(Scope.METHOD | Scope.HOST | Scope.PATH | Scope.QUERY));
        now = System.nanoTime();
        SummarySlot slot = SummarySlot.FACTORY.newInstance();
        for (int i = 0; i < 10_000; i++) {
            slot.fill(i, 0, bench.policy, "GET", "shop.example.com", "/item/" + i + "?sid=abc", peer, 8080,
                    bench.headers, null, now);
            cache.insert(PendingRequest.of(slot), forward, now);
        }
        full = new DecisionCache(10_000);
        full.ensureGeneration(bench.table, 1);
        newKeys = new PendingRequest[20_000];
        for (int i = 0; i < newKeys.length; i++) {
            SummarySlot s = SummarySlot.FACTORY.newInstance();
            s.fill(i, 0, bench.policy, "GET", "shop.example.com", "/new/" + i, peer, 8080, bench.headers, null, now);
            newKeys[i] = PendingRequest.of(s);
            full.insert(newKeys[i], forward, now);
        }
        headerValues[0] = bench.headers.get("user-agent");
        headerValues[1] = bench.headers.get("x-tenant");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }

    @Benchmark
    public Decision hit() {
        return cache.lookup(bench.policy, "GET", "Shop.Example.com:8080", "/item/4242?sid=abc", client, headerValues, now);
    }

    /**
     * A new decision into a full cache (10,000 entries, 20,000 keys in turn): the sampling for
     * the entry that gives way, and the entry reused in place.
     */
    @Benchmark
    public int insertWhenFull() {
        PendingRequest r = newKeys[nextKey];
        nextKey = nextKey + 1 == newKeys.length ? 0 : nextKey + 1;
        now += 1_000;
        full.insert(r, forward, now);
        return full.size();
    }

    @Benchmark
    public Decision miss() {
        return cache.lookup(bench.policy, "GET", "shop.example.com", "/item/4242?sid=other", client, headerValues, now);
    }
}
