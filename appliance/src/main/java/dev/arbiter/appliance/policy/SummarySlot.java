package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.route.Backend;
import java.net.InetSocketAddress;

/**
 * One preallocated slot of the hand-off ring: the summary of one client request, written by
 * the event loop that owns the request and read once by the batcher. Only references to
 * immutable values are stored (the request's strings, the client address), so writing a
 * summary allocates nothing.
 */
public final class SummarySlot extends Summary {

    /** Fills each ring slot once, when the ring is made. */
    public static final com.lmax.disruptor.EventFactory<SummarySlot> FACTORY = SummarySlot::new;

    /** Most headers a virtual service may list for its summaries. */
    public static final int MAX_HEADERS = 32;

    final String[] headerValues = new String[MAX_HEADERS];

    /** Writes one request's summary; stores references only, allocates nothing. */
    public void fill(long id, int loop, ServicePolicy sp, String method, String rawHost, String uri,
                     InetSocketAddress client, int localPort, io.netty.handler.codec.http.HttpHeaders headers,
                     Backend shadowBackend, long publishNanos) {
        set(id, loop, sp, method, rawHost, uri, client, localPort, shadowBackend, publishNanos);
        for (int i = 0; i < sp.headerCount(); i++) {
            headerValues[i] = headers.get(sp.headerKey(i));
        }
    }

    /** Drops the references once the batcher has copied the summary out. */
    @Override
    public void clear() {
        super.clear();
        for (int i = 0; i < headerValues.length && headerValues[i] != null; i++) {
            headerValues[i] = null;
        }
    }
}
