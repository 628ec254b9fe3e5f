package dev.arbiter.appliance.listener;

import dev.arbiter.appliance.config.ApplianceConfig.RuntimeConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The data-plane event loops: one per configured CPU, each thread pinned to its CPU.
 *
 * <pre>
 *   CPU 0            CPU 1            ...
 *   [arbiter-loop-0] [arbiter-loop-1]     each: accept (SO_REUSEPORT), decode, route,
 *                                          its own upstream pools; no locks between them
 * </pre>
 */
public final class EventLoops implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EventLoops.class.getName());

    private final TransportSupport transport;
    private final MultiThreadIoEventLoopGroup group;
    private final List<EventLoop> loops;
    private final long[] threadIds;

    public EventLoops(RuntimeConfig runtime, TransportSupport transport) {
        this.transport = transport;
        List<Integer> cores = runtime.eventLoopCores();
        ThreadFactory threads = new PinningThreadFactory(cores, runtime.pinThreads());
        this.group = new MultiThreadIoEventLoopGroup(cores.size(), threads,
                SpinningIoHandler.wrap(transport.ioHandlerFactory(), runtime.idleSpinMicros() * 1000L));
        List<EventLoop> list = new ArrayList<>();
        threadIds = new long[cores.size()];
        for (EventExecutor e : group) {
            // Start loop threads one by one so that loop i is the i-th thread made, and so pinned to CPU i.
            threadIds[list.size()] = e.submit(() -> Thread.currentThread().getId()).syncUninterruptibly().getNow();
            list.add((EventLoop) e);
        }
        this.loops = List.copyOf(list);
    }

    public TransportSupport transport() {
        return transport;
    }

    public MultiThreadIoEventLoopGroup group() {
        return group;
    }

    /** The loops in CPU-list order; loop i runs on the i-th configured CPU. */
    public List<EventLoop> loops() {
        return loops;
    }

    /** The thread id of loop i, for per-thread counters (CPU time, allocated bytes). */
    public long threadId(int loop) {
        return threadIds[loop];
    }

    @Override
    public void close() {
        // Bounded: a loop that died (say, its jar replaced under a running process) must not
        // keep the process from exiting. The 100 ms quiet period lets connections that were
        // closed just before (a policy connection still connecting, on a start that failed)
        // finish closing on their loop instead of after it.
        if (!group.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).awaitUninterruptibly(15, TimeUnit.SECONDS)) {
            LOG.warning("event loops did not stop within 15 s; exiting anyway");
        }
    }

    /** Names loop threads {@code arbiter-loop-N} and pins each to its CPU as it starts. */
    private static final class PinningThreadFactory implements ThreadFactory {
        private final List<Integer> cores;
        private final boolean pin;
        private final AtomicInteger next = new AtomicInteger();
        private final DefaultThreadFactory delegate = new DefaultThreadFactory("arbiter-loop", false);

        PinningThreadFactory(List<Integer> cores, boolean pin) {
            this.cores = cores;
            this.pin = pin;
        }

        @Override
        public Thread newThread(Runnable r) {
            int index = next.getAndIncrement();
            int cpu = cores.get(index % cores.size());
            Thread t = delegate.newThread(() -> {
                if (pin) {
                    String refused = Affinity.pinCurrentThread(cpu);
                    if (refused != null) {
                        LOG.warning("event loop " + index + " runs unpinned: " + refused);
                    }
                }
                r.run();
            });
            t.setName("arbiter-loop-" + index + "-cpu" + cpu);
            return t;
        }
    }
}
