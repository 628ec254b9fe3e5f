package dev.arbiter.appliance.telemetry;

import java.util.function.ToLongFunction;

/** Summing of per-loop counter slots, for the admin thread. */
public final class LoopSlots {

    private LoopSlots() {
    }

    /** The counter {@code counter} summed over every loop's slot. */
    public static <T> long sum(T[] slots, ToLongFunction<T> counter) {
        long total = 0;
        for (T slot : slots) {
            total += counter.applyAsLong(slot);
        }
        return total;
    }
}
