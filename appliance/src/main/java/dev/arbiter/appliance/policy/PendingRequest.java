package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.route.Backend;
import java.net.InetSocketAddress;

/**
 * A summary taken off the ring and waiting in a policy call for its decision. It carries what
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
