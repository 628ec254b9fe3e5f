package dev.arbiter.appliance.route;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;

/**
 * The available backend with the fewest requests in flight from this loop, relative to its
 * weight. Counting per loop keeps the pick free of cross-core traffic, as Envoy's workers do;
 * with N loops each sees about 1/N of the load, so the balance holds.
 *
 * <p>Pools of up to {@value #FULL_SCAN_MAX} backends are scanned whole (ties go round-robin).
 * Larger pools use the power of two choices (Mitzenmacher): the better of two random available
 * backends, which keeps the pick O(1) and the load within a small factor of the best.
 */
final class LeastOutstanding implements Picker {

    static final int FULL_SCAN_MAX = 16;
    private static final int RANDOM_TRIES = 8;

    private final Backend[] backends;
    private final int[] weights;
    private final int loop;
    private int start;
    private long seed;

    LeastOutstanding(Backend[] backends, int[] weights, int loop) {
        this.backends = backends;
        this.weights = weights;
        this.loop = loop;
        this.seed = 0x9E3779B97F4A7C15L * (loop + 1);
    }

    @Override
    public Backend pick(HttpRequest request, InetAddress client, Backend avoid, long nowMillis) {
        if (backends.length > FULL_SCAN_MAX) {
            Backend b = twoChoices(avoid, nowMillis);
            if (b != null) {
                return b;
            }
            // Few backends left available: fall through to the exact scan.
        }
        return scan(avoid, nowMillis);
    }

    private Backend twoChoices(Backend avoid, long nowMillis) {
        int first = -1;
        for (int t = 0; t < RANDOM_TRIES; t++) {
            int i = nextIndex();
            Backend b = backends[i];
            if (!b.available(nowMillis) || b == avoid || i == first) {
                continue;
            }
            if (first < 0) {
                first = i;
                continue;
            }
            return lighter(first, i);
        }
        return null;
    }

    private Backend lighter(int i, int j) {
        long li = backends[i].onLoop(loop).outstanding;
        long lj = backends[j].onLoop(loop).outstanding;
        return li * weights[j] <= lj * weights[i] ? backends[i] : backends[j];
    }

    private int nextIndex() {
        long x = seed;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        seed = x;
        return (int) ((x >>> 33) % backends.length);
    }

    private Backend scan(Backend avoid, long nowMillis) {
        int n = backends.length;
        int s = start;
        start = s + 1 == n ? 0 : s + 1;
        Backend best = null;
        long bestLoad = 0;
        int bestWeight = 1;
        for (int k = 0; k < n; k++) {
            int i = s + k < n ? s + k : s + k - n;
            Backend b = backends[i];
            if (!b.available(nowMillis) || (b == avoid && n > 1)) {
                continue;
            }
            long load = b.onLoop(loop).outstanding;
            // load/weight < bestLoad/bestWeight, without division
            if (best == null || load * bestWeight < bestLoad * weights[i]) {
                best = b;
                bestLoad = load;
                bestWeight = weights[i];
            }
        }
        if (best == null && avoid != null && avoid.available(nowMillis)) {
            return avoid;
        }
        return best;
    }
}
