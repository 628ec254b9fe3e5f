package dev.arbiter.benchmarks.policy;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.YieldingWaitStrategy;
import dev.arbiter.appliance.policy.LoopPolicy;
import dev.arbiter.appliance.policy.PendingRequest;
import dev.arbiter.appliance.policy.SummarySlot;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two hand-offs of a request summary ({@code policy.hand-off}), against a baseline twin.
 *
 * <ul>
 *   <li>{@code ringPublish} ({@code hand-off: ring}): an event loop writes the summary into the
 *       Disruptor ring and a consumer thread takes it off (the batcher's first step: read, then
 *       clear the slot). With {@code -prof gc} it should show 0 B/op: slots are preallocated and
 *       hold only references.
 *   <li>{@code loopSubmit} ({@code hand-off: loop}, the default): the loop writes the summary
 *       into a recycled {@link PendingRequest} ({@link LoopPolicy#summarise}) and queues it for
 *       its own next call, as {@code PolicyGroup.submit} does; the summaries return to the loop's
 *       free list when their decisions are delivered. No other thread; 0 B/op expected.
 *   <li>{@code blockingQueueBaseline}: a summary object per request through an
 *       {@link ArrayBlockingQueue} to a consumer thread; allocates its summary and lock nodes.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SummaryHandOffBenchmark {

    private PolicyBench bench;
    private RingBuffer<SummarySlot> ring;
    private BatchEventProcessor<SummarySlot> processor;
    private Thread consumerThread;
    private ArrayBlockingQueue<Summary> queue;
    private Thread queueConsumer;
    private volatile boolean running;
    private final InetSocketAddress client = new InetSocketAddress("203.0.113.9", 51234);
    private long id;
    private final ArrayDeque<PendingRequest> waiting = new ArrayDeque<>();
    private final LoopPolicy loop = new LoopPolicy(0, 0);

    /** The baseline's per-request summary object. */
    record Summary(long id, String method, String host, String uri, InetSocketAddress client, String[] headers) {
    }

    @Setup(Level.Trial)
    public void setUp() {
        bench = new PolicyBench();
        ring = RingBuffer.createMultiProducer(SummarySlot.FACTORY, 4096, new YieldingWaitStrategy());
        EventHandler<SummarySlot> consumer = (slot, seq, end) -> slot.clear();
        processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), consumer);
        ring.addGatingSequences(processor.getSequence());
        consumerThread = new Thread(processor, "ring-consumer");
        consumerThread.start();
        queue = new ArrayBlockingQueue<>(4096);
        running = true;
        queueConsumer = new Thread(() -> {
            while (running) {
                try {
                    queue.poll(10, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "queue-consumer");
        queueConsumer.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        processor.halt();
        running = false;
        consumerThread.join();
        queueConsumer.join();
        bench.close();
    }

    @Benchmark
    public long ringPublish() {
        long seq = ring.next();
        ring.get(seq).fill(id++, 0, bench.policy, "GET", "shop.example.com", "/cart?sid=abc", client, 8080,
                bench.headers, null, seq);
        ring.publish(seq);
        return seq;
    }

    @Benchmark
    public int loopSubmit() {
        waiting.addLast(loop.summarise(id++, bench.policy, "GET", "shop.example.com", "/cart?sid=abc", client, 8080,
                bench.headers, null, id));
        int n = waiting.size();
        if (n == 16) {
            // a call takes what waited; its decisions come back and the summaries are recycled
            PendingRequest p;
            while ((p = waiting.pollFirst()) != null) {
                loop.recycle(p);
            }
        }
        return n;
    }

    @Benchmark
    public boolean blockingQueueBaseline() throws InterruptedException {
        String[] values = {bench.headers.get("user-agent"), bench.headers.get("x-tenant")};
        queue.put(new Summary(id++, "GET", "shop.example.com", "/cart?sid=abc", client, values));
        return true;
    }
}
