package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.route.Backend;
import java.net.InetSocketAddress;

/**
 * One preallocated slot of the hand-off ring: the summary of one client request, written by
 * the event loop that owns the request and read once by the batcher. Only references to
 * immutable values are stored (the request's strings, the client address), so writing a
 * summary allocates nothing.
 */
public final class SummarySlot {

    /** Most headers a virtual service may list for its summaries. */
    public static final int MAX_HEADERS = 32;

    long id;
    int loop;
    ServicePolicy policy;
    String method;
    String rawHost;
    String uri;
    InetSocketAddress client;
    int localPort;
    final String[] headerValues = new String[MAX_HEADERS];
    long publishNanos;
    Backend shadowBackend;

    void clear() {
        policy = null;
        method = null;
        rawHost = null;
        uri = null;
        client = null;
        shadowBackend = null;
        for (int i = 0; i < headerValues.length && headerValues[i] != null; i++) {
            headerValues[i] = null;
        }
    }
}
