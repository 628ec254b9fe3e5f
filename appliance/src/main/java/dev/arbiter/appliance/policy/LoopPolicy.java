package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.route.Backend;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * One event loop's side of the policy path: its decision cache, the requests it has waiting for
 * decisions, and its request ids. Only the owning loop touches it.
 *
 * <p>Ids are {@code loop << 40 | counter}: unique among outstanding requests without any
 * coordination between loops, and below 2^53 as the protocol requires.
 */
public final class LoopPolicy {

    private static final long COUNTER_MASK = (1L << 40) - 1;
    /** Most recycled summaries kept; beyond this, delivered ones go to the garbage collector. */
    private static final int FREE_MAX = 4096;

    private final int loop;
    private final DecisionCache cache;
    private final Long2ObjectHashMap<DecisionListener> waiting = new Long2ObjectHashMap<>();
    private final String[] scratch = new String[SummarySlot.MAX_HEADERS];
    private final ArrayDeque<PendingRequest> free = new ArrayDeque<>();
    private long counter;

    public LoopPolicy(int loop, int cacheEntries) {
        this.loop = loop;
        this.cache = new DecisionCache(cacheEntries);
    }

    public DecisionCache cache() {
        return cache;
    }

    /** A reusable array for a request's listed header values during a cache lookup. */
    public String[] scratch() {
        return scratch;
    }

    public long nextId() {
        return ((long) loop << 40) | (counter++ & COUNTER_MASK);
    }

    /**
     * Loop hand-off: writes a request's summary into a recycled {@link PendingRequest} (a new one
     * only while the free list is empty). Public for benchmarks.
     */
    public PendingRequest summarise(long id, ServicePolicy sp, String method, String rawHost, String uri,
                                    InetSocketAddress client, int localPort, HttpHeaders headers, Backend shadowBackend,
                                    long nowNanos) {
        PendingRequest p = free.pollLast();
        if (p == null) {
            p = new PendingRequest(true);
        }
        p.fill(id, loop, sp, method, rawHost, uri, client, localPort, headers, shadowBackend, nowNanos);
        return p;
    }

    /** A summary's decision has been delivered (or it never left): back to the free list. Public for benchmarks. */
    public void recycle(PendingRequest p) {
        if (p.pooled && !p.free && free.size() < FREE_MAX) {
            p.clear();
            free.addLast(p);
        }
    }

    public void await(long id, DecisionListener listener) {
        waiting.put(id, listener);
    }

    /** The request gave up (deadline, client gone): a late decision for it is dropped, not cached. */
    public void forget(long id) {
        waiting.remove(id);
    }

    /**
     * Runs on this loop: pairs of (PendingRequest, Decision) from one answer. Each summary is
     * recycled once its decision is filed, before the request acts on it (which may summarise
     * the next pipelined request into it).
     */
    void deliver(List<Object> items, long nowNanos) {
        for (int i = 0; i + 1 < items.size(); i += 2) {
            PendingRequest p = (PendingRequest) items.get(i);
            Decision d = (Decision) items.get(i + 1);
            if (p.free) {
                continue; // delivered before: never let a recycled summary decide for another request
            }
            long id = p.id;
            DecisionListener l = waiting.remove(id);
            if (l != null && d.cacheable()) {
                cache.insert(p, d, nowNanos);
            }
            recycle(p);
            if (l != null) {
                l.onPolicyDecision(id, d);
            }
        }
    }
}
