package dev.arbiter.benchmarks;

import dev.arbiter.appliance.listener.SpinningIoHandler;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the idle spin ({@code runtime.idle-spin-us}) adds to an event loop's turn, measured on a
 * stand-in transport so that only the wrapper's own work is timed (the wake-ups it saves are
 * measured end to end: {@code benchmarks/ab-jars}, see benchmarks/results/2026-11-27-idle-spin).
 *
 * <ul>
 *   <li>{@link #spinningTurnWithWorkWaiting}: the loaded case, work ready on the first poll;
 *       baseline twin {@link #baselineTurnWithWorkWaiting}, the transport called directly.</li>
 *   <li>{@link #spinningUntilWorkAfterSevenEmptyPolls}: work turns up on the eighth poll; the
 *       score over 8 is what one empty poll costs, i.e. how soon a spinning loop notices an
 *       arrival. Baseline twin {@link #baselineEightPolls}: the same eight calls, unwrapped.</li>
 * </ul>
 * All four should allocate nothing ({@code -prof gc}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IdleSpinBenchmark {

    private final Transport transport = new Transport();
    private final Loop loop = new Loop();
    private IoHandler spinning;

    @Setup
    public void setUp() {
        spinning = SpinningIoHandler.wrap(executor -> transport, TimeUnit.MICROSECONDS.toNanos(50)).newHandler(null);
    }

    @Benchmark
    public int spinningTurnWithWorkWaiting() {
        transport.emptyPolls = 0;
        return spinning.run(loop);
    }

    @Benchmark
    public int baselineTurnWithWorkWaiting() {
        transport.emptyPolls = 0;
        return transport.run(loop);
    }

    @Benchmark
    public int spinningUntilWorkAfterSevenEmptyPolls() {
        transport.emptyPolls = 7;
        return spinning.run(loop);
    }

    @Benchmark
    public int baselineEightPolls() {
        transport.emptyPolls = 7;
        int handled = 0;
        for (int i = 0; i < 8; i++) {
            handled += transport.run(loop);
        }
        return handled;
    }

    /** Finds nothing {@code emptyPolls} times, then one completion. */
    private static final class Transport implements IoHandler {
        int emptyPolls;

        @Override
        public int run(IoHandlerContext context) {
            if (emptyPolls > 0) {
                emptyPolls--;
                return 0;
            }
            return 1;
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

    /** A loop with no tasks waiting: it may block. */
    private static final class Loop implements IoHandlerContext {
        @Override
        public boolean canBlock() {
            return true;
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
