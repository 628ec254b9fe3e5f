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
import dev.arbiter.appliance.config.ApplianceConfig.HandOff;
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
 * The external policy path, in one of two shapes ({@code policy.hand-off}).
 *
 * <p>{@code loop} (default): each event loop summarises its own requests, batches what one read
 * pass brought in, and calls the policy servers over connections it owns; the answer comes back
 * on the same thread, so a decision costs no thread hand-off and no wake-up.
 *
 * <p>{@code ring}:
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
 * Batches gather requests from every loop, which keeps calls per request low on a box with many
 * loops, at the price of two hand-offs per decision.
 *
 * <p>Either way a full queue refuses the request at once ({@code overload}); the request then
 * falls back or is rejected as its virtual service says, so the policy path never blocks an
 * event loop.
 */
public final class PolicyStage implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PolicyStage.class.getName());

    private final PolicyConfig config;
    private final boolean onLoops;
    private final RingBuffer<SummarySlot> ring;
    private final BatchEventProcessor<SummarySlot> processor;
    private final Thread batcher;
    private final MultiThreadIoEventLoopGroup ioGroup;
    private final EventLoop io;
    private final Bootstrap template;
    private final Deliveries deliveries;
    private final Deliveries[] loopDeliveries;
    private final Bootstrap[] loopTemplates;
    private final int loopCount;
    private final IntFunction<EventLoop> loopExecutors;
    private IntFunction<LoopPolicy> loopPolicies;
    /** Per group name: the shared instance (ring), or one per loop (loop). */
    private final Map<String, PolicyGroup[]> groups = new ConcurrentHashMap<>();
    private final Map<String, PolicyServiceStats> serviceStats = new ConcurrentHashMap<>();

    /** A stage with the ring hand-off that is never started (benchmarks and tests of its parts). */
    public PolicyStage(PolicyConfig config, TransportSupport transport, int loopCount) {
        this(config, transport, loopCount, null);
    }

    /**
     * @param eventLoops the event loops by index: decisions go to them, and with the loop
     *                   hand-off they run the policy connections too
     */
    public PolicyStage(PolicyConfig config, TransportSupport transport, int loopCount, IntFunction<EventLoop> eventLoops) {
        this.config = config;
        this.loopCount = loopCount;
        this.loopExecutors = eventLoops;
        this.onLoops = config.handOff() == HandOff.LOOP;
        if (onLoops && eventLoops == null) {
            throw new IllegalArgumentException("the loop hand-off needs the event loops");
        }
        Bootstrap base = new Bootstrap().channel(transport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
        transport.applyRecvBufferRing(base);
        if (onLoops) {
            this.ring = null;
            this.processor = null;
            this.batcher = null;
            this.ioGroup = null;
            this.io = null;
            this.template = null;
            this.deliveries = null;
            this.loopDeliveries = new Deliveries[loopCount];
            this.loopTemplates = new Bootstrap[loopCount];
            for (int i = 0; i < loopCount; i++) {
                loopDeliveries[i] = new Deliveries(this::deliver, loopCount, i);
                loopTemplates[i] = base.clone(eventLoops.apply(i));
            }
            return;
        }
        this.loopDeliveries = null;
        this.loopTemplates = null;
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
        this.template = base.clone(io);
        this.deliveries = new Deliveries(this::deliver, loopCount, 0);
    }

    private static WaitStrategy waitStrategy(PolicyConfig c) {
        return switch (c.waitStrategy()) {
            case BLOCKING -> new BlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }

    /** Wires the loops' policy state; then starts the batcher (ring hand-off). */
    public void start(IntFunction<LoopPolicy> policies) {
        this.loopPolicies = policies;
        NativeCodec.warmUp();
        if (batcher != null) {
            batcher.start();
        }
    }

    /** Whether each event loop makes its own policy calls ({@code hand-off: loop}). */
    public boolean onLoops() {
        return onLoops;
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
        Map<String, PolicyGroup[]> next = new HashMap<>();
        List<PolicyGroup> retired = new ArrayList<>();
        for (PolicyGroupConfig gc : pc.groups()) {
            PolicyGroup[] existing = groups.get(gc.name());
            if (existing != null && existing[0].config().equals(gc)) {
                next.put(gc.name(), existing);
            } else {
                next.put(gc.name(), newGroup(gc));
                if (existing != null) {
                    retired.addAll(List.of(existing));
                }
            }
        }
        groups.forEach((name, g) -> {
            if (!next.containsKey(name)) {
                retired.addAll(List.of(g));
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
        for (PolicyGroup g : retired) {
            g.io().schedule(g::close, 60, TimeUnit.SECONDS);
        }
    }

    private PolicyGroup[] newGroup(PolicyGroupConfig gc) {
        int maxResponse = (int) Math.min(Integer.MAX_VALUE, config.maxResponseBytes());
        PolicyGroupStats stats = new PolicyGroupStats(onLoops ? loopCount : 1);
        PolicyGroup[] all;
        if (onLoops) {
            all = new PolicyGroup[loopCount];
            for (int i = 0; i < loopCount; i++) {
                all[i] = new PolicyGroup(gc, config.maxBatch(), loopExecutors.apply(i),
                        loopTemplates[i], maxResponse, loopDeliveries[i], stats);
            }
        } else {
            all = new PolicyGroup[] {new PolicyGroup(gc, config.maxBatch(), io, template, maxResponse, deliveries, stats)};
        }
        for (PolicyGroup g : all) {
            g.siblings(all);
            g.start();
        }
        return all;
    }

    /**
     * Event loop: hands the summary of a request to the policy path. With the ring hand-off it
     * is written into the next free slot and published; with the loop hand-off it is written
     * into a recycled summary that waits in the loop's own instance of the group for the next
     * call. Neither allocates.
     *
     * @return false when the ring or the group's queue is full (the request fails with {@code overload})
     */
    public boolean publish(int loop, long id, ServicePolicy sp, String method, String rawHost, String uri,
                           InetSocketAddress client, int localPort, HttpHeaders headers, Backend shadowBackend,
                           long nowNanos) {
        if (onLoops) {
            LoopPolicy lp = loopPolicies.apply(loop);
            PendingRequest p = lp.summarise(id, sp, method, rawHost, uri, client, localPort, headers, shadowBackend,
                    nowNanos);
            if (sp.group(loop).submit(p)) {
                return true;
            }
            lp.recycle(p);
            return false;
        }
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

    /**
     * Hands decisions to the loop that owns the requests: a task for that loop from the policy I/O
     * thread, or at once when the calls are made on that loop already.
     */
    void deliver(int loop, List<Object> items) {
        LoopPolicy lp = loopPolicies.apply(loop);
        if (onLoops) {
            lp.deliver(items, System.nanoTime());
        } else {
            loopExecutors.apply(loop).execute(() -> lp.deliver(items, System.nanoTime()));
        }
    }

    /** Current groups, one instance each (their counters cover every instance), for metrics. */
    public List<PolicyGroup> groups() {
        List<PolicyGroup> out = new ArrayList<>();
        for (PolicyGroup[] g : groups.values()) {
            out.add(g[0]);
        }
        return out;
    }

    public List<PolicyServiceStats> serviceStats() {
        return List.copyOf(serviceStats.values());
    }

    /** Free slots in the ring, for metrics; -1 with the loop hand-off, which has no ring. */
    public long ringRemaining() {
        return ring == null ? -1 : ring.remainingCapacity();
    }

    @Override
    public void close() {
        if (processor != null) {
            processor.halt();
            try {
                batcher.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (PolicyGroup[] all : groups.values()) {
            for (PolicyGroup g : all) {
                g.close();
            }
        }
        if (ioGroup != null) {
            ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
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
