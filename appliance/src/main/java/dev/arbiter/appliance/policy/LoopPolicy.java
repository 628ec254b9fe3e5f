package dev.arbiter.appliance.policy;

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

    private final int loop;
    private final DecisionCache cache;
    private final Long2ObjectHashMap<DecisionListener> waiting = new Long2ObjectHashMap<>();
    private final String[] scratch = new String[SummarySlot.MAX_HEADERS];
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

    public void await(long id, DecisionListener listener) {
        waiting.put(id, listener);
    }

    /** The request gave up (deadline, client gone): a late decision for it is dropped, not cached. */
    public void forget(long id) {
        waiting.remove(id);
    }

    /** Runs on this loop: pairs of (PendingRequest, Decision) from one answer. */
    void deliver(List<Object> items, long nowNanos) {
        for (int i = 0; i + 1 < items.size(); i += 2) {
            PendingRequest p = (PendingRequest) items.get(i);
            Decision d = (Decision) items.get(i + 1);
            DecisionListener l = waiting.remove(p.id);
            if (l == null) {
                continue;
            }
            if (d.cacheable()) {
                cache.insert(p, d, nowNanos);
            }
            l.onPolicyDecision(p.id, d);
        }
    }
}
