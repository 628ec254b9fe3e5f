package dev.arbiter.appliance.listener;

import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * An event loop's I/O handler that polls for a while before it sleeps. When the loop runs out of
 * work it keeps asking the transport, without blocking, for up to {@code spinNanos}; only then
 * does it block in the kernel. A reply that arrives within that window (a policy answer, a
 * backend's response, a keep-alive client's next request) is taken without the sleep and the
 * wake-up, which on a virtual machine cost tens of microseconds each.
 *
 * <pre>
 *   work done -> poll (no syscall on io_uring unless the kernel flags work) -> poll -> ...
 *                 | something arrived: handle it            | spinNanos passed: block as before
 * </pre>
 *
 * <p>The price is CPU: a loop that goes idle burns up to {@code spinNanos} before it sleeps, so
 * this is for loops that own their core (pinned, nothing else scheduled there). A task submitted
 * from another thread, or a timer falling due, ends the spin at once.
 */
public final class SpinningIoHandler extends ForwardingIoHandler {

    private final long spinNanos;
    private final NonBlocking nonBlocking = new NonBlocking();

    private SpinningIoHandler(IoHandler delegate, long spinNanos) {
        super(delegate);
        this.spinNanos = spinNanos;
    }

    /** {@code factory} itself when {@code spinNanos} is 0, otherwise its handlers wrapped. */
    public static IoHandlerFactory wrap(IoHandlerFactory factory, long spinNanos) {
        if (spinNanos <= 0) {
            return factory;
        }
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new SpinningIoHandler(factory.newHandler(executor), spinNanos);
            }

            @Override
            public boolean isChangingThreadSupported() {
                return factory.isChangingThreadSupported();
            }
        };
    }

    @Override
    public int run(IoHandlerContext context) {
        if (!context.canBlock()) {
            return delegate.run(context);
        }
        nonBlocking.outer = context;
        int handled = delegate.run(nonBlocking);
        if (handled > 0) {
            return handled; // the loaded case: no clock read
        }
        long start = System.nanoTime();
        while (context.canBlock() && System.nanoTime() - start < spinNanos) {
            Thread.onSpinWait();
            handled = delegate.run(nonBlocking);
            if (handled > 0) {
                return handled;
            }
        }
        return context.canBlock() ? delegate.run(context) : 0;
    }

    /** The loop's context, except that it never lets the transport block. */
    private static final class NonBlocking implements IoHandlerContext {
        IoHandlerContext outer;

        @Override
        public boolean canBlock() {
            return false;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return outer.delayNanos(currentTimeNanos);
        }

        @Override
        public long deadlineNanos() {
            return outer.deadlineNanos();
        }

        @Override
        public void reportActiveIoTime(long activeNanos) {
            outer.reportActiveIoTime(activeNanos);
        }

        @Override
        public boolean shouldReportActiveIoTime() {
            return outer.shouldReportActiveIoTime();
        }
    }
}
