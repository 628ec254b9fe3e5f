package dev.arbiter.appliance.policy;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyGroupConfig;
import dev.arbiter.appliance.listener.Affinity;
import dev.arbiter.appliance.listener.TransportSupport;
import dev.arbiter.appliance.route.Backend;
import dev.arbiter.appliance.route.RoutingTable;
import dev.arbiter.appliance.route.VirtualService;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The external policy path: the hand-off ring, the batcher thread and the policy I/O thread.
 *
 * <pre>
 *  event loops ──publish summary into a preallocated slot──> [ring: SummarySlot x ring-size]
 *                                                                  │ natural batching
 *                                                                  v
 *                                                         [batcher thread: encode batch]
 *                                                                  │ one task per call
 *                                                                  v
 *  event loops <──one task per loop per answer── [policy I/O thread: keep-alive connections,
 *   (cache, then carry the decision out)           health, breakers, deadlines, decode]
 * </pre>
 *
 * A full ring refuses the request at once ({@code overload}); the request then falls back or is
 * rejected as its virtual service says, so the policy path never blocks an event loop.
 */
public final class PolicyStage implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PolicyStage.class.getName());

    private final PolicyConfig config;
    private final RingBuffer<SummarySlot> ring;
    private final BatchEventProcessor<SummarySlot> processor;
    private final Thread batcher;
    private final MultiThreadIoEventLoopGroup ioGroup;
    private final EventLoop io;
    private final Bootstrap template;
    private final Deliveries deliveries;
    private final int loopCount;
    private IntFunction<EventLoop> loopExecutors;
    private IntFunction<LoopPolicy> loopPolicies;
    private final Map<String, PolicyGroup> groups = new ConcurrentHashMap<>();
    private final Map<String, PolicyServiceStats> serviceStats = new ConcurrentHashMap<>();

    public PolicyStage(PolicyConfig config, TransportSupport transport, int loopCount) {
        this.config = config;
        this.loopCount = loopCount;
        this.ring = RingBuffer.createMultiProducer(SummarySlot.FACTORY, config.ringSize(), waitStrategy(config));
        this.processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), new PolicyBatcher(Math.max(64, config.maxBatch())));
        processor.setExceptionHandler(new LoggingExceptionHandler());
        ring.addGatingSequences(processor.getSequence());
        int cpu = config.batcherCpu();
        this.batcher = new Thread(() -> {
            if (cpu >= 0) {
                String refused = Affinity.pinCurrentThread(cpu);
                if (refused != null) {
                    LOG.warning("policy batcher runs unpinned: " + refused);
                }
            }
            processor.run();
        }, "arbiter-policy-batcher");
        batcher.setDaemon(true);
        this.ioGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("arbiter-policy-io", true),
                transport.ioHandlerFactory());
        this.io = ioGroup.next();
        this.template = new Bootstrap().group(io).channel(transport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
        this.deliveries = new Deliveries(this, loopCount);
    }

    private static WaitStrategy waitStrategy(PolicyConfig c) {
        return switch (c.waitStrategy()) {
            case BLOCKING -> new BlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }

    /** Wires the loops' executors and policy state; then starts the batcher. */
    public void start(IntFunction<EventLoop> executors, IntFunction<LoopPolicy> policies) {
        this.loopExecutors = executors;
        this.loopPolicies = policies;
        NativeCodec.warmUp();
        batcher.start();
    }

    public PolicyConfig config() {
        return config;
    }

    /**
     * Binds every virtual service of {@code table} that has a policy to its group and counters.
     * Groups whose settings are unchanged keep their connections; dropped or changed ones are
     * closed after the longest deadline has passed, so calls in flight still finish.
     */
    public synchronized void attach(RoutingTable table) {
        PolicyConfig pc = table.config().policy();
        Map<String, PolicyGroup> next = new HashMap<>();
        List<PolicyGroup> retired = new ArrayList<>();
        for (PolicyGroupConfig gc : pc.groups()) {
            PolicyGroup existing = groups.get(gc.name());
            if (existing != null && existing.config().equals(gc)) {
                next.put(gc.name(), existing);
            } else {
                PolicyGroup g = new PolicyGroup(gc, config.maxBatch(), io, template, (int) Math.min(Integer.MAX_VALUE,
                        config.maxResponseBytes()), deliveries);
                g.start();
                next.put(gc.name(), g);
                if (existing != null) {
                    retired.add(existing);
                }
            }
        }
        groups.forEach((name, g) -> {
            if (!next.containsKey(name)) {
                retired.add(g);
            }
        });
        List<VirtualService> services = table.services();
        for (int i = 0; i < services.size(); i++) {
            VirtualService vs = services.get(i);
            if (vs.config().policy() == null) {
                continue;
            }
            PolicyServiceStats stats = serviceStats.computeIfAbsent(vs.name(), n -> new PolicyServiceStats(n, loopCount));
            vs.policy(new ServicePolicy(vs.name(), i, vs.config().policy(), next.get(vs.config().policy().group()),
                    vs.allowed(), stats));
        }
        groups.clear();
        groups.putAll(next);
        if (!retired.isEmpty()) {
            io.schedule(() -> retired.forEach(PolicyGroup::close), 60, TimeUnit.SECONDS);
        }
    }

    /**
     * Event loop: writes the summary of a request into the next free slot and publishes it.
     * Allocates nothing.
     *
     * @return false when the ring is full (the request fails with {@code overload})
     */
    public boolean publish(int loop, long id, ServicePolicy sp, String method, String rawHost, String uri,
                           InetSocketAddress client, int localPort, HttpHeaders headers, Backend shadowBackend,
                           long nowNanos) {
        long seq;
        try {
            seq = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            return false;
        }
        ring.get(seq).fill(id, loop, sp, method, rawHost, uri, client, localPort, headers, shadowBackend, nowNanos);
        ring.publish(seq);
        return true;
    }

    /** Policy I/O thread: hands decisions to the loop that owns the requests. */
    void deliver(int loop, List<Object> items) {
        LoopPolicy lp = loopPolicies.apply(loop);
        loopExecutors.apply(loop).execute(() -> lp.deliver(items, System.nanoTime()));
    }

    /** Current groups, for metrics. */
    public List<PolicyGroup> groups() {
        return List.copyOf(groups.values());
    }

    public List<PolicyServiceStats> serviceStats() {
        return List.copyOf(serviceStats.values());
    }

    /** Free slots in the ring, for metrics. */
    public long ringRemaining() {
        return ring.remainingCapacity();
    }

    @Override
    public void close() {
        processor.halt();
        try {
            batcher.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (PolicyGroup g : groups.values()) {
            g.close();
        }
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** A bug in the batcher must not stop the policy path: log and go on with the next summary. */
    private static final class LoggingExceptionHandler implements ExceptionHandler<SummarySlot> {
        @Override
        public void handleEventException(Throwable ex, long sequence, SummarySlot event) {
            LOG.log(Level.SEVERE, "policy batcher failed on a summary; its request will time out and fall back", ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            LOG.log(Level.SEVERE, "policy batcher failed to start", ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            LOG.log(Level.WARNING, "policy batcher failed to stop cleanly", ex);
        }
    }
}
