package dev.arbiter.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class JvmMetricsTest {

    /** Keeps the allocations above from being optimized away. */
    private static volatile byte[] sink;

    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);

    @Test
    void shouldCountACollectionInTheCollectorsPauseHistogram() throws Exception {
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", "", b.address()).service("p"))) {
            Map<String, Double> before = samples(app.adminGet("/metrics").body());
            System.gc();
            Map<String, Double> after = before;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (grown(before, after, "arbiter_gc_pause_seconds_count") == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
                after = samples(app.adminGet("/metrics").body());
            }
            String collector = grown(before, after, "arbiter_gc_pause_seconds_count");
            assertThat(collector).as("a collector whose pause count grew after System.gc()").isNotNull();
            assertThat(after.get("jvm_gc_collection_seconds_count" + collector))
                    .isGreaterThan(before.get("jvm_gc_collection_seconds_count" + collector));
            double count = after.get("arbiter_gc_pause_seconds_count" + collector);
            String le = collector.substring(0, collector.length() - 1) + ",le=\"+Inf\"}";
            assertThat(after.get("arbiter_gc_pause_seconds_bucket" + le)).isEqualTo(count);
            assertThat(after.get("arbiter_gc_pause_seconds_sum" + collector)).isGreaterThanOrEqualTo(0.0);
        }
    }

    @Test
    void shouldReportTheProcesssMemoryDescriptorsAndCpu() throws Exception {
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", "", b.address()).service("p"))) {
            Map<String, Double> m = samples(app.adminGet("/metrics").body());
            assertThat(m.get("process_resident_memory_bytes")).isGreaterThan(1e6);
            assertThat(m.get("process_open_fds")).isGreaterThan(2.0);
            assertThat(m.get("process_max_fds")).isGreaterThanOrEqualTo(m.get("process_open_fds"));
            assertThat(m.get("process_cpu_seconds_total")).isGreaterThan(0.0);
            assertThat(m.get("process_start_time_seconds")).isGreaterThan(1.7e9);
            assertThat(m.get("jvm_memory_used_bytes{area=\"heap\"}")).isGreaterThan(0.0);
            assertThat(m.get("jvm_memory_committed_bytes{area=\"heap\"}"))
                    .isGreaterThanOrEqualTo(m.get("jvm_memory_used_bytes{area=\"heap\"}"));
            assertThat(m.get("jvm_threads_current")).isGreaterThan(1.0);
            assertThat(m).containsKey("jvm_buffer_pool_used_bytes{pool=\"direct\"}");
        }
    }

    @Test
    void shouldCountTheHeapBytesEachEventLoopAllocatesAndNoOtherThreads() throws Exception {
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", "", b.address()).service("p"))) {
            String loop0 = "arbiter_loop_allocated_bytes_total{loop=\"0\"}";
            double before = samples(app.adminGet("/metrics").body()).get(loop0);
            sink = new byte[8 << 20];
            app.appliance().eventLoops().get(0).submit(() -> sink = new byte[4 << 20]).get(5, TimeUnit.SECONDS);
            double grown = samples(app.adminGet("/metrics").body()).get(loop0) - before;
            assertThat(grown).as("the loop's 4 MiB, not the test thread's 8 MiB").isBetween(4.0 * (1 << 20), 8.0 * (1 << 20));
        }
    }

    @Test
    void shouldFileEachPauseInTheFirstBucketThatHoldsIt() {
        JvmMetrics.Collector c = new JvmMetrics.Collector(null);
        c.record(0);
        c.record(1);
        c.record(2);
        c.record(3);
        c.record(1000);
        c.record(1001);
        assertThat(c.buckets.get(0)).as("<= 1 ms").isEqualTo(2);
        assertThat(c.buckets.get(1)).as("<= 2 ms").isEqualTo(1);
        assertThat(c.buckets.get(2)).as("<= 5 ms").isEqualTo(1);
        assertThat(c.buckets.get(JvmMetrics.PAUSE_BUCKETS_SECONDS.length - 1)).as("<= 1 s").isEqualTo(1);
        assertThat(c.buckets.get(JvmMetrics.PAUSE_BUCKETS_SECONDS.length)).as("+Inf").isEqualTo(1);
        assertThat(c.buckets.get(c.sumMillisIndex())).isEqualTo(2007);
    }

    /** Every sample of an exposition, keyed by name and labels as written. */
    private static Map<String, Double> samples(String body) {
        Map<String, Double> m = new LinkedHashMap<>();
        Matcher s = SAMPLE.matcher(body);
        while (s.find()) {
            m.put(s.group(1) + (s.group(2) == null ? "" : s.group(2)), Double.parseDouble(s.group(3)));
        }
        return m;
    }

    /** The labels ({gc="..."}) of the first series named {@code name} that grew, or null. */
    private static String grown(Map<String, Double> before, Map<String, Double> after, String name) {
        for (Map.Entry<String, Double> e : after.entrySet()) {
            if (e.getKey().startsWith(name + "{") && e.getValue() > before.getOrDefault(e.getKey(), 0.0)) {
                return e.getKey().substring(name.length());
            }
        }
        return null;
    }
}
