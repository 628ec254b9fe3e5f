package dev.arbiter.appliance.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/** How a loop's turn goes with a spin: what the transport is asked, and when it may block. */
class SpinningIoHandlerTest {

    private static final long SPIN = TimeUnit.MILLISECONDS.toNanos(20);

    @Test
    void shouldPollWithoutBlockingThroughTheWindowThenBlock() {
        Transport transport = new Transport(() -> 0);
        IoHandler spinning = spinning(transport, SPIN);

        long start = System.nanoTime();
        spinning.run(new Loop(true));

        assertThat(System.nanoTime() - start).as("spun for the window").isGreaterThanOrEqualTo(SPIN);
        assertThat(transport.polls()).as("non-blocking polls").isGreaterThan(1);
        assertThat(transport.turns).last().as("the last call may block").isEqualTo(true);
        assertThat(transport.turns.subList(0, transport.turns.size() - 1)).containsOnly(false);
    }

    @Test
    void shouldTakeWhatArrivesDuringTheSpinWithoutBlocking() {
        int[] calls = {0};
        Transport transport = new Transport(() -> ++calls[0] == 5 ? 3 : 0);
        IoHandler spinning = spinning(transport, TimeUnit.SECONDS.toNanos(10));

        int handled = spinning.run(new Loop(true));

        assertThat(handled).isEqualTo(3);
        assertThat(transport.turns).hasSize(5).containsOnly(false);
    }

    @Test
    void shouldStopSpinningWithoutBlockingWhenTheLoopGetsATask() {
        Loop loop = new Loop(true);
        int[] calls = {0};
        Transport transport = new Transport(() -> {
            if (++calls[0] == 3) {
                loop.canBlock = false; // a task submitted from another thread, or a timer fell due
            }
            return 0;
        });
        IoHandler spinning = spinning(transport, TimeUnit.SECONDS.toNanos(10));

        spinning.run(loop);

        assertThat(transport.turns).hasSize(3).containsOnly(false);
    }

    @Test
    void shouldNotSpinWhenTheLoopMayNotBlockAnyway() {
        Transport transport = new Transport(() -> 0);
        spinning(transport, SPIN).run(new Loop(false));
        assertThat(transport.turns).containsExactly(false);
    }

    @Test
    void shouldLeaveTheTransportAloneWhenTheSpinIsOff() {
        IoHandlerFactory factory = executor -> new Transport(() -> 0);
        assertThat(SpinningIoHandler.wrap(factory, 0)).isSameAs(factory);
    }

    private static IoHandler spinning(Transport transport, long spinNanos) {
        return SpinningIoHandler.wrap(executor -> transport, spinNanos).newHandler(null);
    }

    /** A transport that records, per call, whether it was allowed to block. */
    private static final class Transport implements IoHandler {
        final List<Boolean> turns = new ArrayList<>();
        private final IntSupplier arrivals;

        Transport(IntSupplier arrivals) {
            this.arrivals = arrivals;
        }

        long polls() {
            return turns.stream().filter(b -> !b).count();
        }

        @Override
        public int run(IoHandlerContext context) {
            turns.add(context.canBlock());
            return arrivals.getAsInt();
        }

        @Override
        public void wakeup() {
        }

        @Override
        public IoRegistration register(IoHandle handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return false;
        }
    }

    /** The event loop's side: whether it has nothing else to do. */
    private static final class Loop implements IoHandlerContext {
        volatile boolean canBlock;

        Loop(boolean canBlock) {
            this.canBlock = canBlock;
        }

        @Override
        public boolean canBlock() {
            return canBlock;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return -1;
        }

        @Override
        public long deadlineNanos() {
            return -1;
        }
    }
}
