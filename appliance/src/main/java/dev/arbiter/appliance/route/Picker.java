package dev.arbiter.appliance.route;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;

/**
 * A local algorithm bound to one event loop: picks the backend for a request. Instances keep
 * per-loop state (a round-robin position) and are never shared between loops.
 */
public interface Picker {

    /**
     * @param request   the request (for hash keys)
     * @param client    the client's address (for hash keys)
     * @param avoid     a backend that just failed this request, chosen only if nothing else is available; may be null
     * @param nowMillis the loop's clock
     * @return the backend, or null when no backend is available
     */
    Backend pick(HttpRequest request, InetAddress client, Backend avoid, long nowMillis);
}
