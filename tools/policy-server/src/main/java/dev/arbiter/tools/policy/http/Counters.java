package dev.arbiter.tools.policy.http;

import dev.arbiter.tools.policy.Stats;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Calls received, counted on the event loops and read by tests through {@link #snapshot()}. */
public final class Counters {

    final LongAdder batches = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder compatRequests = new LongAdder();
    final LongAdder healthChecks = new LongAdder();
    final Set<SocketAddress> batchCallers = ConcurrentHashMap.newKeySet();

    public Stats snapshot() {
        return new Stats(batches.sum(), requests.sum(), compatRequests.sum(), healthChecks.sum());
    }

    /** Distinct connections (client address and port) that have sent native batch calls. */
    public int batchConnections() {
        return batchCallers.size();
    }
}
