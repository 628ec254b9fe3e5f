package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.route.Backend;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/**
 * A request summary waiting in a policy call for its decision: copied off the ring by the
 * batcher, or written by the owning loop itself with the loop hand-off. It carries what the
 * owning loop needs to file the decision in its cache even after the request itself has moved
 * on (deadline passed, client gone).
 *
 * <p>With the loop hand-off the summaries are recycled: each loop keeps a free list
 * ({@link LoopPolicy#obtain}), a summary is written in place, and it returns to the list once its
 * decision (or failure) has been delivered, which happens exactly once. So summarising a request
 * allocates nothing once the list has warmed up.
 */
public final class PendingRequest extends Summary {
    String[] headerValues;
    /** Whether it belongs to a loop's free list (loop hand-off) rather than to the garbage collector. */
    final boolean pooled;
    /** On the free list: not to be delivered (a second delivery would be a bug, and is refused). */
    boolean free;

    /** A summary as the batcher copies it off the ring (public for benchmarks and tests). */
    public static PendingRequest of(SummarySlot s) {
        return new PendingRequest(s);
    }

    /** A fresh, unpooled summary as the owning loop writes it with the loop hand-off (benchmarks and tests). */
    public static PendingRequest summarise(long id, int loop, ServicePolicy sp, String method, String rawHost,
                                           String uri, InetSocketAddress client, int localPort, HttpHeaders headers,
                                           long nowNanos) {
        PendingRequest p = new PendingRequest(false);
        p.fill(id, loop, sp, method, rawHost, uri, client, localPort, headers, null, nowNanos);
        return p;
    }

    PendingRequest(boolean pooled) {
        this.pooled = pooled;
    }

    PendingRequest(SummarySlot s) {
        this.pooled = false;
        set(s.id, s.loop, s.policy, s.method, s.rawHost, s.uri, s.client, s.localPort, s.shadowBackend, s.publishNanos);
        int n = s.policy.headerCount();
        this.headerValues = new String[n];
        System.arraycopy(s.headerValues, 0, headerValues, 0, n);
    }

    /** Loop hand-off: writes one request's summary in place; stores references only. */
    void fill(long id, int loop, ServicePolicy sp, String method, String rawHost, String uri,
              InetSocketAddress client, int localPort, HttpHeaders headers, Backend shadowBackend, long publishNanos) {
        set(id, loop, sp, method, rawHost, uri, client, localPort, shadowBackend, publishNanos);
        int n = sp.headerCount();
        if (headerValues == null || headerValues.length != n) {
            headerValues = new String[n]; // the cache keys on the array's length: exactly one per listed header
        }
        for (int i = 0; i < n; i++) {
            headerValues[i] = headers.get(sp.headerKey(i));
        }
        this.free = false;
    }

    /** Drops the references, so a summary on the free list keeps no request alive. */
    @Override
    void clear() {
        super.clear();
        if (headerValues != null) {
            java.util.Arrays.fill(headerValues, null);
        }
        free = true;
    }
}
