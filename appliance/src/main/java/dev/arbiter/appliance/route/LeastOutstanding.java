package dev.arbiter.appliance.route;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;

/**
 * The available backend with the fewest requests in flight from this loop, relative to its
 * weight; ties go round-robin. Counting per loop keeps the pick free of cross-core traffic,
 * as Envoy's workers do; with N loops each sees about 1/N of the load, so the balance holds.
 */
final class LeastOutstanding implements Picker {

    private final Backend[] backends;
    private final int[] weights;
    private final int loop;
    private int start;

    LeastOutstanding(Backend[] backends, int[] weights, int loop) {
        this.backends = backends;
        this.weights = weights;
        this.loop = loop;
    }

    @Override
    public Backend pick(HttpRequest request, InetAddress client, Backend avoid, long nowMillis) {
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
