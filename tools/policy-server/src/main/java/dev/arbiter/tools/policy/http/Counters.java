package dev.arbiter.tools.policy.http;

import dev.arbiter.tools.policy.Stats;
import java.util.concurrent.atomic.LongAdder;

/** Calls received, counted on the event loops and read by tests through {@link #snapshot()}. */
public final class Counters {

    final LongAdder batches = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder compatRequests = new LongAdder();
    final LongAdder healthChecks = new LongAdder();

    public Stats snapshot() {
        return new Stats(batches.sum(), requests.sum(), compatRequests.sum(), healthChecks.sum());
    }
}
