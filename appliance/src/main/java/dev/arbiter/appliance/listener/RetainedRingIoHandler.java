package dev.arbiter.appliance.listener;

import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An io_uring loop's I/O handler whose ring outlives the loop: when the loop stops, its channels
 * are closed and its completions drained as usual ({@link #prepareToDestroy}), but the ring, its
 * eventfd and the native memory the kernel writes into are never freed ({@link #destroy} does
 * nothing). The kernel reclaims them when the process exits.
 *
 * <p>Why: Netty 4.2.18's {@code IoUringIoHandler.destroy()} frees native memory that the kernel
 * can still write into, most likely the 8-byte buffer that its wake-up eventfd's reads land in,
 * freed while such a read can still complete (a crash log shows the word 1, a wake-up, written
 * into a freed chunk). glibc aborts the process when the loop's thread exits and walks its cache
 * of freed chunks ({@code tcache_thread_shutdown(): unaligned tcache chunk detected}, exit 134).
 * Side by side on a busy box, JVMs that start and stop io_uring appliances aborted in 9 of 19
 * runs through Netty's {@code destroy()} and in none of 19 through this handler
 * (benchmarks/results/2026-11-28-io-uring-teardown/).
 *
 * <p>The price is what the retired rings hold until exit: about 80 KiB of ring memory, two file
 * descriptors and the receive ring's buffers (up to {@code io-uring-recv-buffers} pooled buffers)
 * per loop. The appliance stops its loops once, as it exits; only a JVM that starts and stops
 * many io_uring appliances (the test suite) accumulates them. They are held here, so they are
 * neither collected nor reported as leaks.
 */
public final class RetainedRingIoHandler extends ForwardingIoHandler {

    /** Every retired io_uring handler of this process, kept reachable until it exits. */
    private static final Queue<IoHandler> RETIRED = new ConcurrentLinkedQueue<>();

    RetainedRingIoHandler(IoHandler delegate) {
        super(delegate);
    }

    /** {@code factory}'s handlers, each of which keeps its ring when its loop stops. */
    public static IoHandlerFactory wrap(IoHandlerFactory factory) {
        return new Factory(factory);
    }

    /** Makes handlers that keep their rings. */
    static final class Factory implements IoHandlerFactory {
        private final IoHandlerFactory netty;

        private Factory(IoHandlerFactory netty) {
            this.netty = netty;
        }

        @Override
        public IoHandler newHandler(ThreadAwareExecutor executor) {
            return new RetainedRingIoHandler(netty.newHandler(executor));
        }

        @Override
        public boolean isChangingThreadSupported() {
            return netty.isChangingThreadSupported();
        }
    }

    /** How many loops' rings this process has retired so far (for tests and diagnostics). */
    public static int retired() {
        return RETIRED.size();
    }

    /** Retires the ring instead of freeing it: see the class comment. */
    @Override
    public void destroy() {
        RETIRED.add(delegate);
    }
}
