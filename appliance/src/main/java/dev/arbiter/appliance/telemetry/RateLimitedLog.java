package dev.arbiter.appliance.telemetry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one log line through per interval and counts the ones it holds back, so that a failure
 * that repeats on every request (or every policy call) is reported without flooding the journal.
 * Safe from any thread; holding a line back costs two atomic operations and no allocation, as
 * long as the caller builds its message only after {@link #admit} let it through.
 *
 * <pre>
 *   long held = log.admit(System.nanoTime());
 *   if (held >= 0) {
 *       LOG.warning("what happened" + RateLimitedLog.heldBack(held));
 *   }
 * </pre>
 */
public final class RateLimitedLog {

    private final long intervalNanos;
    private final AtomicLong nextNanos;
    private final AtomicLong heldBack = new AtomicLong();

    public RateLimitedLog(long intervalMillis) {
        this.intervalNanos = intervalMillis * 1_000_000L;
        this.nextNanos = new AtomicLong(System.nanoTime());
    }

    /** -1 to hold the line back; otherwise how many were held back since the last one let through. */
    public long admit(long nowNanos) {
        long next = nextNanos.get();
        if (nowNanos - next < 0 || !nextNanos.compareAndSet(next, nowNanos + intervalNanos)) {
            heldBack.incrementAndGet();
            return -1;
        }
        return heldBack.getAndSet(0);
    }

    /** The suffix a line let through carries: empty, or how many alike lines were held back before it. */
    public static String heldBack(long held) {
        return held > 0 ? " (" + held + " more like this since the last report)" : "";
    }
}
