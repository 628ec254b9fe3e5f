package dev.arbiter.appliance.route;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;

/**
 * Smooth weighted round-robin (the nginx algorithm): each pick adds every backend's weight to
 * its credit, takes the backend with the most credit and charges it the total. A 5:1:1 pool then
 * runs a,a,b,a,c,a,a rather than a,a,a,a,a,b,c, so no backend sees bursts.
 *
 * <p>The sequence of one full cycle is computed once per pool and shared by the loops, so a pick
 * is O(1): each loop walks the cycle from its own position, skipping unavailable backends (the
 * others then share their turns in the same smooth order). Pools whose weights add up to more
 * than {@value #MAX_CYCLE} fall back to computing each pick over the available backends.
 */
final class WeightedRoundRobin implements Picker {

    static final int MAX_CYCLE = 65_536;

    private final Backend[] backends;
    private final int[] weights;
    private final int[] cycle;
    private final long[] credit;
    private int position;

    private WeightedRoundRobin(Backend[] backends, int[] weights, int[] cycle) {
        this.backends = backends;
        this.weights = weights;
        this.cycle = cycle;
        this.credit = cycle == null ? new long[backends.length] : null;
    }

    /** The shared cycle for a pool, or null when it would be longer than {@value #MAX_CYCLE}. */
    static int[] cycle(int[] weights) {
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        if (total > MAX_CYCLE) {
            return null;
        }
        int[] out = new int[(int) total];
        long[] credit = new long[weights.length];
        for (int k = 0; k < out.length; k++) {
            int best = 0;
            for (int i = 0; i < weights.length; i++) {
                credit[i] += weights[i];
                if (credit[i] > credit[best]) {
                    best = i;
                }
            }
            credit[best] -= total;
            out[k] = best;
        }
        return out;
    }

    static WeightedRoundRobin forLoop(Backend[] backends, int[] weights, int[] cycle, int loop) {
        WeightedRoundRobin p = new WeightedRoundRobin(backends, weights, cycle);
        if (cycle != null) {
            // Loops start at different points of the cycle so they do not move in step.
            p.position = (int) ((long) loop * cycle.length / 7 % cycle.length);
        }
        return p;
    }

    @Override
    public Backend pick(HttpRequest request, InetAddress client, Backend avoid, long nowMillis) {
        return cycle != null ? walk(avoid, nowMillis) : computed(avoid, nowMillis);
    }

    private Backend walk(Backend avoid, long nowMillis) {
        int n = cycle.length;
        Backend fallback = null;
        for (int step = 0; step < n; step++) {
            int p = position;
            position = p + 1 == n ? 0 : p + 1;
            Backend b = backends[cycle[p]];
            if (b.available(nowMillis)) {
                if (b != avoid || backends.length == 1) {
                    return b;
                }
                fallback = b;
            }
            if (step >= backends.length * 2 && fallback == null && !anyAvailable(nowMillis)) {
                return null; // nothing to find: do not walk the whole cycle
            }
        }
        return fallback;
    }

    private boolean anyAvailable(long nowMillis) {
        for (Backend b : backends) {
            if (b.available(nowMillis)) {
                return true;
            }
        }
        return false;
    }

    private Backend computed(Backend avoid, long nowMillis) {
        int best = -1;
        long total = 0;
        for (int i = 0; i < backends.length; i++) {
            Backend b = backends[i];
            if (!b.available(nowMillis) || (b == avoid && backends.length > 1)) {
                continue;
            }
            credit[i] += weights[i];
            total += weights[i];
            if (best < 0 || credit[i] > credit[best]) {
                best = i;
            }
        }
        if (best < 0) {
            return avoid != null && avoid.available(nowMillis) ? avoid : null;
        }
        credit[best] -= total;
        return backends[best];
    }
}
