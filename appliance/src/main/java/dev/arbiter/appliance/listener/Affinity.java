package dev.arbiter.appliance.listener;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import dev.arbiter.appliance.os.Libc;

/**
 * Binds the calling thread to one CPU with Linux {@code sched_setaffinity(2)}.
 *
 * <p>Each event loop is pinned so that its connections, its buffers and its upstream pools stay
 * in one core's caches. Pinning is best-effort: where the call is refused (a container's cpuset,
 * a CPU that is offline) the loop runs unpinned and the reason is returned for the log.
 */
public final class Affinity {

    private static final int MASK_LONGS = 16; // 1024 CPUs, the kernel's default CONFIG_NR_CPUS ceiling

    private interface LibC extends Library {
        int sched_setaffinity(int pid, int cpusetsize, long[] mask) throws LastErrorException;

        int sched_getcpu() throws LastErrorException;
    }

    private static final LibC LIBC = Libc.load(LibC.class);

    private Affinity() {
    }

    /** Pins the calling thread to {@code cpu}; returns null on success, else why it could not. */
    public static String pinCurrentThread(int cpu) {
        if (LIBC == null) {
            return "CPU affinity needs Linux and libc through JNA";
        }
        if (cpu < 0 || cpu >= MASK_LONGS * 64) {
            return "CPU " + cpu + " is outside 0.." + (MASK_LONGS * 64 - 1);
        }
        long[] mask = new long[MASK_LONGS];
        mask[cpu / 64] = 1L << (cpu % 64);
        try {
            LIBC.sched_setaffinity(0, MASK_LONGS * 8, mask);
            return null;
        } catch (LastErrorException e) {
            return "sched_setaffinity(cpu " + cpu + ") failed: errno " + e.getErrorCode();
        }
    }

    /** The CPU the calling thread runs on now, or -1 where that cannot be asked. */
    public static int currentCpu() {
        if (LIBC == null) {
            return -1;
        }
        try {
            return LIBC.sched_getcpu();
        } catch (LastErrorException e) {
            return -1;
        }
    }
}
