package dev.arbiter.appliance.admin;

import static dev.arbiter.appliance.admin.MetricsWriter.escape;
import static dev.arbiter.appliance.admin.MetricsWriter.header;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.UnixOperatingSystemMXBean;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The process's and the JVM's own series in /metrics, under the names Prometheus's process
 * collector and the Java client's JVM collector use ({@code process_*}, {@code jvm_*}), so
 * stock dashboards read them, plus a histogram of collection pauses.
 *
 * <p>Pause lengths come from the collector's notifications, one per collection, delivered on
 * the JVM's notification thread (never a data loop), from the admin listener's start on: the
 * collections of the JVM's start-up are in {@code jvm_gc_collection_seconds} only. The JVM
 * reports each in whole milliseconds: a pause under 1 ms counts in the first bucket. For G1
 * (the collector the JVM chooses on a balancer box: 2 or more CPUs and 2 GiB or more) "G1
 * Young Generation" covers young and mixed collections and "G1 Old Generation" full ones,
 * each a stop-the-world pause; JDK 17 does not report G1's concurrent cycle's short remark
 * and cleanup pauses this way. On a smaller machine the JVM picks the serial collector
 * ("Copy", "MarkSweepCompact"), whose collections are all pauses.
 */
final class JvmMetrics implements AutoCloseable {

    /** Upper bounds of the pause histogram's buckets, seconds; the last bucket is +Inf. */
    static final double[] PAUSE_BUCKETS_SECONDS = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0};

    private final List<Collector> collectors = new ArrayList<>();

    /** Subscribes to every collector's notifications until {@link #close()}. */
    JvmMetrics() {
        for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            Collector c = new Collector(bean);
            if (bean instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(c, null, null);
            }
            collectors.add(c);
        }
    }

    @Override
    public void close() {
        for (Collector c : collectors) {
            if (c.bean instanceof NotificationEmitter emitter) {
                try {
                    emitter.removeNotificationListener(c);
                } catch (ListenerNotFoundException e) {
                    // never added: nothing to undo
                }
            }
        }
    }

    /**
     * @param loopThreadIds the event loops' thread ids, loop i at index i
     */
    void render(StringBuilder sb, long[] loopThreadIds) {
        gc(sb);
        memory(sb);
        loops(sb, loopThreadIds);
        process(sb);
    }

    /**
     * Heap bytes each event loop has allocated since it started: the data plane's allocation,
     * per request when divided by the requests served in the same interval. Where the JVM does
     * not count a thread's allocation (it may be switched off), nothing is written.
     */
    private static void loops(StringBuilder sb, long[] loopThreadIds) {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)
                || !threads.isThreadAllocatedMemorySupported() || !threads.isThreadAllocatedMemoryEnabled()) {
            return;
        }
        header(sb, "arbiter_loop_allocated_bytes_total", "counter", "Heap bytes allocated by each event loop's thread.");
        for (int i = 0; i < loopThreadIds.length; i++) {
            long bytes = threads.getThreadAllocatedBytes(loopThreadIds[i]);
            if (bytes >= 0) {
                sb.append("arbiter_loop_allocated_bytes_total{loop=\"").append(i).append("\"} ").append(bytes).append('\n');
            }
        }
    }

    private void gc(StringBuilder sb) {
        header(sb, "jvm_gc_collection_seconds", "summary", "Time spent in collections, by collector (the JVM's count and total).");
        for (Collector c : collectors) {
            String gc = escape(c.bean.getName());
            sb.append("jvm_gc_collection_seconds_count{gc=\"").append(gc).append("\"} ")
                    .append(Math.max(0, c.bean.getCollectionCount())).append('\n');
            sb.append("jvm_gc_collection_seconds_sum{gc=\"").append(gc).append("\"} ")
                    .append(Math.max(0, c.bean.getCollectionTime()) / 1e3).append('\n');
        }
        header(sb, "arbiter_gc_pause_seconds", "histogram",
                "Collections by length, by collector, since the admin listener started (millisecond resolution, as the JVM reports them).");
        for (Collector c : collectors) {
            String gc = escape(c.bean.getName());
            long cumulative = 0;
            for (int i = 0; i <= PAUSE_BUCKETS_SECONDS.length; i++) {
                cumulative += c.buckets.get(i);
                sb.append("arbiter_gc_pause_seconds_bucket{gc=\"").append(gc).append("\",le=\"")
                        .append(i < PAUSE_BUCKETS_SECONDS.length ? Double.toString(PAUSE_BUCKETS_SECONDS[i]) : "+Inf")
                        .append("\"} ").append(cumulative).append('\n');
            }
            sb.append("arbiter_gc_pause_seconds_sum{gc=\"").append(gc).append("\"} ")
                    .append(c.buckets.get(c.sumMillisIndex()) / 1e3).append('\n');
            sb.append("arbiter_gc_pause_seconds_count{gc=\"").append(gc).append("\"} ").append(cumulative).append('\n');
        }
    }

    private static void memory(StringBuilder sb) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        gauge(sb, "jvm_memory_used_bytes", "Memory used, by area.", "area", heap.getUsed(), nonHeap.getUsed());
        gauge(sb, "jvm_memory_committed_bytes", "Memory committed, by area.", "area", heap.getCommitted(), nonHeap.getCommitted());
        gauge(sb, "jvm_memory_max_bytes", "Most memory the area may use; -1 when unbounded.", "area", heap.getMax(), nonHeap.getMax());
        header(sb, "jvm_buffer_pool_used_bytes", "gauge", "Memory used by the JDK's buffer pools (NIO direct and mapped buffers).");
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            sb.append("jvm_buffer_pool_used_bytes{pool=\"").append(escape(pool.getName())).append("\"} ")
                    .append(pool.getMemoryUsed()).append('\n');
        }
        long netty = PlatformDependent.usedDirectMemory();
        if (netty >= 0) {
            header(sb, "arbiter_netty_direct_memory_used_bytes", "gauge",
                    "Direct memory Netty allocated itself (its pooled arenas and buffers), outside the JDK's buffer pools.");
            sb.append("arbiter_netty_direct_memory_used_bytes ").append(netty).append('\n');
        }
        header(sb, "jvm_threads_current", "gauge", "Live threads.");
        sb.append("jvm_threads_current ").append(ManagementFactory.getThreadMXBean().getThreadCount()).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, String label, long heap, long nonHeap) {
        header(sb, name, "gauge", help);
        sb.append(name).append('{').append(label).append("=\"heap\"} ").append(heap).append('\n');
        sb.append(name).append('{').append(label).append("=\"nonheap\"} ").append(nonHeap).append('\n');
    }

    private static void process(StringBuilder sb) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            header(sb, "process_cpu_seconds_total", "counter", "User and system CPU time of the whole process.");
            sb.append("process_cpu_seconds_total ").append(sun.getProcessCpuTime() / 1e9).append('\n');
            header(sb, "process_virtual_memory_bytes", "gauge", "Virtual memory size.");
            sb.append("process_virtual_memory_bytes ").append(sun.getCommittedVirtualMemorySize()).append('\n');
        }
        if (os instanceof UnixOperatingSystemMXBean unix) {
            header(sb, "process_open_fds", "gauge", "Open file descriptors: client, backend and policy sockets among them.");
            sb.append("process_open_fds ").append(unix.getOpenFileDescriptorCount()).append('\n');
            header(sb, "process_max_fds", "gauge", "The process's limit on open file descriptors.");
            sb.append("process_max_fds ").append(unix.getMaxFileDescriptorCount()).append('\n');
        }
        long rss = residentBytes();
        if (rss >= 0) {
            header(sb, "process_resident_memory_bytes", "gauge", "Resident memory (heap, direct buffers, code, thread stacks).");
            sb.append("process_resident_memory_bytes ").append(rss).append('\n');
        }
        header(sb, "process_start_time_seconds", "gauge", "Start of the process, seconds since the Unix epoch.");
        sb.append("process_start_time_seconds ").append(ManagementFactory.getRuntimeMXBean().getStartTime() / 1e3).append('\n');
    }

    /** VmRSS from /proc/self/status; -1 where there is no such file. */
    static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** One collector's pause counts, written by the notification thread, read by the admin loop. */
    static final class Collector implements NotificationListener {
        final GarbageCollectorMXBean bean;
        /** One slot per bucket (the last is +Inf, not cumulative), then the sum in milliseconds. */
        final AtomicLongArray buckets = new AtomicLongArray(PAUSE_BUCKETS_SECONDS.length + 2);

        Collector(GarbageCollectorMXBean bean) {
            this.bean = bean;
        }

        int sumMillisIndex() {
            return PAUSE_BUCKETS_SECONDS.length + 1;
        }

        @Override
        public void handleNotification(Notification n, Object handback) {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())
                    || !(n.getUserData() instanceof CompositeData data)) {
                return;
            }
            long millis = GarbageCollectionNotificationInfo.from(data).getGcInfo().getDuration();
            record(millis);
        }

        void record(long millis) {
            int i = 0;
            while (i < PAUSE_BUCKETS_SECONDS.length && millis > PAUSE_BUCKETS_SECONDS[i] * 1e3) {
                i++;
            }
            buckets.incrementAndGet(i);
            buckets.addAndGet(sumMillisIndex(), millis);
        }
    }
}
