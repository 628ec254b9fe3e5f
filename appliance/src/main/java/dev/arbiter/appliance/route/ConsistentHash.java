package dev.arbiter.appliance.route;

import dev.arbiter.appliance.config.ApplianceConfig.HashKey;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * A hash ring (Karger et al.) with {@value #POINTS_PER_WEIGHT} points per unit of weight: a key
 * maps to the first point clockwise of its hash. Adding or removing a backend moves only the keys
 * of the points it owns; an unavailable backend's keys go to the next backend on the ring.
 *
 * <p>The ring is immutable and shared by all loops; the picker itself has no mutable state.
 */
final class ConsistentHash implements Picker {

    static final int POINTS_PER_WEIGHT = 160;

    private final Backend[] backends;
    private final HashKey key;
    private final long[] points;
    private final int[] owners;

    private ConsistentHash(Backend[] backends, HashKey key, long[] points, int[] owners) {
        this.backends = backends;
        this.key = key;
        this.points = points;
        this.owners = owners;
    }

    /** Builds the ring once per pool; every loop shares it (the picker has no mutable state). */
    static ConsistentHash build(Backend[] backends, int[] weights, HashKey key) {
        int total = 0;
        for (int w : weights) {
            total += w * POINTS_PER_WEIGHT;
        }
        long[] hashes = new long[total];
        int k = 0;
        for (int i = 0; i < backends.length; i++) {
            String a = backends[i].address();
            for (int v = 0; v < weights[i] * POINTS_PER_WEIGHT; v++) {
                hashes[k] = Hashing.mix(Hashing.chars(a, 0, a.length()) * 31 + v);
                k++;
            }
        }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Long.compareUnsigned(hashes[x], hashes[y]));
        long[] points = new long[total];
        int[] owners = new int[total];
        int[] ownerOfPoint = new int[total];
        k = 0;
        for (int i = 0; i < backends.length; i++) {
            for (int v = 0; v < weights[i] * POINTS_PER_WEIGHT; v++) {
                ownerOfPoint[k++] = i;
            }
        }
        for (int i = 0; i < total; i++) {
            points[i] = hashes[order[i]];
            owners[i] = ownerOfPoint[order[i]];
        }
        return new ConsistentHash(backends, key, points, owners);
    }

    @Override
    public Backend pick(HttpRequest request, InetAddress client, Backend avoid, long nowMillis) {
        long h = keyHash(request, client);
        int i = lowerBound(h);
        int n = points.length;
        Backend fallback = null;
        // Walk clockwise past unavailable backends; at most one lap.
        for (int step = 0; step < n; step++) {
            Backend b = backends[owners[(i + step) % n]];
            if (b.available(nowMillis)) {
                if (b != avoid) {
                    return b;
                }
                fallback = b;
            }
        }
        return fallback;
    }

    long keyHash(HttpRequest request, InetAddress client) {
        switch (key.kind()) {
            case PATH -> {
                String uri = request.uri();
                int q = uri.indexOf('?');
                return Hashing.mix(Hashing.chars(uri, 0, q < 0 ? uri.length() : q));
            }
            case HEADER -> {
                String v = request.headers().get(key.header());
                if (v != null) {
                    return Hashing.mix(Hashing.chars(v, 0, v.length()));
                }
                return Hashing.mix(client.hashCode());
            }
            default -> {
                return Hashing.mix(client.hashCode());
            }
        }
    }

    private int lowerBound(long h) {
        int lo = 0;
        int hi = points.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(points[mid], h) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == points.length ? 0 : lo;
    }
}
