package dev.arbiter.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RunningAppliance;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The service watchdog is fed while every event loop runs tasks, and only then. */
class LoopWatchdogTest {

    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    @Test
    void shouldStopPingingWhileOneLoopIsStuckAndResumeWhenItRunsAgain() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        AtomicInteger pings = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        List<EventLoop> loops = List.of((EventLoop) group.next(), (EventLoop) group.next());
        try (LoopWatchdog watchdog = new LoopWatchdog(INTERVAL_NANOS, pings::incrementAndGet)) {
            watchdog.watch(loops);
            assertThat(RunningAppliance.eventually(10, () -> pings.get() >= 4)).as("pings while both loops run").isTrue();

            loops.get(1).execute(() -> {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // Past the stall limit (half the interval) no check may ping: the stuck loop cannot tick.
            Thread.sleep(500);
            int whileStuck = pings.get();
            Thread.sleep(1_000);
            assertThat(pings.get()).as("pings while loop 1 is stuck").isEqualTo(whileStuck);

            release.countDown();
            assertThat(RunningAppliance.eventually(10, () -> pings.get() >= whileStuck + 4))
                    .as("pings once loop 1 runs again").isTrue();
        } finally {
            release.countDown();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void shouldPingWhileTheApplianceStartsBeforeAnyLoopIsWatched() throws Exception {
        AtomicInteger pings = new AtomicInteger();
        try (LoopWatchdog watchdog = new LoopWatchdog(INTERVAL_NANOS, pings::incrementAndGet)) {
            assertThat(RunningAppliance.eventually(10, () -> pings.get() >= 3)).isTrue();
        }
    }

    @Test
    void shouldKeepPingingAfterAPingThatFailed() throws Exception {
        AtomicInteger pings = new AtomicInteger();
        Runnable failsFirst = () -> {
            if (pings.incrementAndGet() == 1) {
                throw new IllegalStateException("first ping fails");
            }
        };
        try (LoopWatchdog watchdog = new LoopWatchdog(INTERVAL_NANOS, failsFirst)) {
            assertThat(RunningAppliance.eventually(10, () -> pings.get() >= 3)).isTrue();
        }
    }

    @Test
    void shouldStopPingingWhenClosed() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AtomicInteger pings = new AtomicInteger();
        try {
            LoopWatchdog watchdog = new LoopWatchdog(INTERVAL_NANOS, pings::incrementAndGet);
            watchdog.watch(List.of((EventLoop) group.next()));
            assertThat(RunningAppliance.eventually(10, () -> pings.get() >= 2)).isTrue();
            watchdog.close();
            Thread.sleep(100);
            int atClose = pings.get();
            Thread.sleep(500);
            assertThat(pings.get()).isEqualTo(atClose);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
