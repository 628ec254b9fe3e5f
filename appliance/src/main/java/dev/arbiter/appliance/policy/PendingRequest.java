package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.route.Backend;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/**
 * A request summary waiting in a policy call for its decision: copied off the ring by the
 * batcher, or made by the owning loop itself when calls are made on the loop. It carries what
 * the owning loop needs to file the decision in its cache even after the request itself has
 * moved on (deadline passed, client gone).
 */
public final class PendingRequest {
    final long id;
    final int loop;
    final ServicePolicy policy;
    final String method;
    final String rawHost;
    final String uri;
    final InetSocketAddress client;
    final int localPort;
    final String[] headerValues;
    final long publishNanos;
    final Backend shadowBackend;

    /** A summary as the batcher copies it off the ring (public for benchmarks and tests). */
    public static PendingRequest of(SummarySlot s) {
        return new PendingRequest(s);
    }

    /** A summary as the owning loop makes it with the loop hand-off (public for benchmarks and tests). */
    public static PendingRequest summarise(long id, int loop, ServicePolicy sp, String method, String rawHost,
                                           String uri, InetSocketAddress client, int localPort, HttpHeaders headers,
                                           long nowNanos) {
        return new PendingRequest(id, loop, sp, method, rawHost, uri, client, localPort, headers, null, nowNanos);
    }

    /** Loop hand-off: the owning loop summarises the request itself. */
    PendingRequest(long id, int loop, ServicePolicy sp, String method, String rawHost, String uri,
                   InetSocketAddress client, int localPort, HttpHeaders headers, Backend shadowBackend,
                   long publishNanos) {
        this.id = id;
        this.loop = loop;
        this.policy = sp;
        this.method = method;
        this.rawHost = rawHost;
        this.uri = uri;
        this.client = client;
        this.localPort = localPort;
        int n = sp.headerCount();
        this.headerValues = new String[n];
        for (int i = 0; i < n; i++) {
            headerValues[i] = headers.get(sp.headerKey(i));
        }
        this.publishNanos = publishNanos;
        this.shadowBackend = shadowBackend;
    }

    PendingRequest(SummarySlot s) {
        this.id = s.id;
        this.loop = s.loop;
        this.policy = s.policy;
        this.method = s.method;
        this.rawHost = s.rawHost;
        this.uri = s.uri;
        this.client = s.client;
        this.localPort = s.localPort;
        int n = s.policy.headerCount();
        this.headerValues = new String[n];
        System.arraycopy(s.headerValues, 0, headerValues, 0, n);
        this.publishNanos = s.publishNanos;
        this.shadowBackend = s.shadowBackend;
    }
}
