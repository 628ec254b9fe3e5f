package dev.arbiter.appliance.route;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;

/** Each available backend in turn. */
final class RoundRobin implements Picker {

    private final Backend[] backends;
    private int next;

    RoundRobin(Backend[] backends) {
        this.backends = backends;
    }

    @Override
    public Backend pick(HttpRequest request, InetAddress client, Backend avoid, long nowMillis) {
        int n = backends.length;
        Backend fallback = null;
        for (int i = 0; i < n; i++) {
            int idx = next;
            next = idx + 1 == n ? 0 : idx + 1;
            Backend b = backends[idx];
            if (b.available(nowMillis)) {
                if (b != avoid) {
                    return b;
                }
                fallback = b;
            }
        }
        return fallback;
    }
}
