package dev.arbiter.appliance.route;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;

/**
 * Smooth weighted round-robin: each pick adds every available backend's weight to its credit,
 * takes the backend with the most credit and charges it the total. A 5:1:1 pool then runs
 * a,a,b,a,c,a,a rather than a,a,a,a,a,b,c, so no backend sees bursts.
 */
final class WeightedRoundRobin implements Picker {

    private final Backend[] backends;
    private final int[] weights;
    private final long[] credit;

    WeightedRoundRobin(Backend[] backends, int[] weights) {
        this.backends = backends;
        this.weights = weights;
        this.credit = new long[backends.length];
    }

    @Override
    public Backend pick(HttpRequest request, InetAddress client, Backend avoid, long nowMillis) {
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
