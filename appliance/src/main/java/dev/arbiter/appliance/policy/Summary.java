package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.route.Backend;
import java.net.InetSocketAddress;

/**
 * The fields of one client request's summary, shared by the ring's preallocated slots
 * ({@link SummarySlot}) and the summaries waiting for decisions ({@link PendingRequest}). Only
 * references to immutable values are stored, so writing one allocates nothing; the listed
 * header values are kept by the subclasses, which size their arrays differently.
 */
abstract class Summary {
    long id;
    int loop;
    ServicePolicy policy;
    String method;
    String rawHost;
    String uri;
    InetSocketAddress client;
    int localPort;
    long publishNanos;
    Backend shadowBackend;

    final void set(long id, int loop, ServicePolicy sp, String method, String rawHost, String uri,
                   InetSocketAddress client, int localPort, Backend shadowBackend, long publishNanos) {
        this.id = id;
        this.loop = loop;
        this.policy = sp;
        this.method = method;
        this.rawHost = rawHost;
        this.uri = uri;
        this.client = client;
        this.localPort = localPort;
        this.shadowBackend = shadowBackend;
        this.publishNanos = publishNanos;
    }

    /** Drops the references, so a reused summary keeps no finished request alive. */
    void clear() {
        policy = null;
        method = null;
        rawHost = null;
        uri = null;
        client = null;
        shadowBackend = null;
    }
}
