package dev.arbiter.appliance.admin;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.logging.Logger;

/**
 * Feeds the service manager's watchdog only while every event loop still runs its tasks, so a
 * process that is alive but whose data plane hangs (a loop stuck in a call that never returns, a
 * livelock) is killed and restarted by systemd rather than holding its ports without serving.
 *
 * <pre>
 *   arbiter-loop-i   every period: ticks[i] = now            (a scheduled task on the loop)
 *   arbiter-watchdog every period: all ticks newer than the stall limit ? ping : skip, log once
 *   period = interval / 4, stall limit = interval / 2: a loop stalled longer than half the
 *   interval stops the pings, and systemd acts a full interval after the last one
 * </pre>
 *
 * Until {@link #watch} hands it the loops (while the appliance starts) it pings unconditionally:
 * systemd's watchdog clock runs from the process's start, a start can take longer than the
 * interval on a slow box, and a start that hangs is bounded by the unit's start timeout instead.
 */
public final class LoopWatchdog implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LoopWatchdog.class.getName());

    private final Runnable ping;
    private final long periodNanos;
    private final long stallLimitNanos;
    private final List<ScheduledFuture<?>> tickers = new ArrayList<>();
    private final ScheduledExecutorService thread;
    /** One tick time per watched loop; empty until {@link #watch}. */
    private volatile AtomicLongArray ticks = new AtomicLongArray(0);
    private boolean stallReported;

    /** Starts pinging every {@code intervalNanos / 4}; {@code ping} sends one watchdog ping. */
    public LoopWatchdog(long intervalNanos, Runnable ping) {
        if (intervalNanos < TimeUnit.MILLISECONDS.toNanos(4)) {
            throw new IllegalArgumentException("watchdog interval " + intervalNanos + " ns is below 4 ms");
        }
        this.ping = ping;
        this.periodNanos = intervalNanos / 4;
        this.stallLimitNanos = intervalNanos / 2;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "arbiter-watchdog");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleAtFixedRate(this::check, 0, periodNanos, TimeUnit.NANOSECONDS);
    }

    /** From now on pings only while every one of {@code loops} runs its tasks; call once. */
    public synchronized void watch(List<EventLoop> loops) {
        if (ticks.length() > 0 || !tickers.isEmpty()) {
            throw new IllegalStateException("already watching " + ticks.length() + " loop(s)");
        }
        AtomicLongArray t = new AtomicLongArray(loops.size());
        long now = System.nanoTime();
        for (int i = 0; i < loops.size(); i++) {
            int index = i;
            t.set(i, now);
            tickers.add(loops.get(i).scheduleAtFixedRate(() -> t.set(index, System.nanoTime()),
                    0, periodNanos, TimeUnit.NANOSECONDS));
        }
        ticks = t;
    }

    private void check() {
        AtomicLongArray ticks = this.ticks;
        long now = System.nanoTime();
        int stalled = -1;
        for (int i = 0; i < ticks.length(); i++) {
            if (now - ticks.get(i) > stallLimitNanos) {
                stalled = i;
                break;
            }
        }
        if (stalled >= 0) {
            if (!stallReported) {
                stallReported = true;
                LOG.severe("event loop " + stalled + " has not run a task for "
                        + TimeUnit.NANOSECONDS.toMillis(now - ticks.get(stalled)) + " ms; the service watchdog is no "
                        + "longer fed, so the service manager will restart the appliance");
            }
            return;
        }
        if (stallReported) {
            stallReported = false;
            LOG.warning("event loops run again; feeding the service watchdog");
        }
        try {
            ping.run();
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again: log it and ping next time
            LOG.warning("service watchdog ping failed: " + e);
        }
    }

    @Override
    public synchronized void close() {
        thread.shutdownNow();
        for (ScheduledFuture<?> t : tickers) {
            t.cancel(false);
        }
    }
}
