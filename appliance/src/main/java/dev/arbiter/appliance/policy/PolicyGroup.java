package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.config.ApplianceConfig.BackendConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyGroupConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A group of interchangeable policy servers and the calls waiting for them. Everything here
 * runs on the policy I/O thread, except the batcher-side batch under construction
 * ({@link #batch}), which only the batcher thread touches.
 *
 * <p>A call goes to the healthy server whose breaker lets it through with the fewest calls in
 * flight, on that server's least busy connection. When every connection is full the call waits
 * in a bounded queue; when no server can take calls at all it fails at once ({@code unavailable}),
 * so a dead policy tier costs requests nothing but the fallback.
 */
public final class PolicyGroup {

    private static final int MAX_QUEUED_CALLS = 4096;

    private final PolicyGroupConfig config;
    private final EventLoop io;
    private final Bootstrap template;
    private final PolicyServerLink[] servers;
    private final ArrayDeque<Call> queued = new ArrayDeque<>();
    private final PolicyGroupStats stats = new PolicyGroupStats();
    private final Deliveries deliveries;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    /** Batcher thread only: the native batch being filled. */
    final List<PendingRequest> batch = new ArrayList<>();
    /** Batcher thread only: the latest give-up time of the requests in {@link #batch}. */
    long batchGiveUpNanos;

    PolicyGroup(PolicyGroupConfig config, EventLoop io, Bootstrap template, int maxResponseBytes, Deliveries deliveries) {
        this.config = config;
        this.io = io;
        this.template = template;
        this.deliveries = deliveries;
        this.servers = new PolicyServerLink[config.servers().size()];
        for (int i = 0; i < servers.length; i++) {
            BackendConfig s = config.servers().get(i);
            servers[i] = new PolicyServerLink(this, s, template, maxResponseBytes);
        }
    }

    void start() {
        io.execute(() -> {
            // Connect before the first request needs it, so it does not pay the handshake.
            for (PolicyServerLink s : servers) {
                s.warmUp();
            }
            tasks.add(io.scheduleAtFixedRate(this::checkOverdue, 5, 5, TimeUnit.MILLISECONDS));
            tasks.add(io.scheduleAtFixedRate(() -> {
                for (PolicyServerLink s : servers) {
                    s.probeHealth(template);
                }
            }, 0, config.healthIntervalMillis(), TimeUnit.MILLISECONDS));
        });
    }

    public PolicyGroupConfig config() {
        return config;
    }

    public String name() {
        return config.name();
    }

    public PolicyGroupStats stats() {
        return stats;
    }

    Deliveries deliveries() {
        return deliveries;
    }

    EventLoop io() {
        return io;
    }

    /** For metrics: each server's address, health and breaker state (0 closed, 1 open, 2 half-open). */
    public List<String[]> serverStates() {
        List<String[]> out = new ArrayList<>();
        for (PolicyServerLink s : servers) {
            out.add(new String[] {s.address(), s.healthy() ? "1" : "0", Integer.toString(s.breakerState())});
        }
        return out;
    }

    /** Policy I/O thread: sends or queues a call handed over by the batcher. */
    void submit(Call call) {
        long now = System.nanoTime();
        if (now - call.giveUpNanos > 0) {
            call.fail(FailureReason.TIMEOUT, deliveries);
            deliveries.flush();
            return;
        }
        stats.calls.increment();
        stats.summaries.add(call.size());
        if (!queued.isEmpty() || !trySend(call, now)) {
            if (!anyServerAccepts(now)) {
                fail(call, FailureReason.UNAVAILABLE);
            } else if (queued.size() >= MAX_QUEUED_CALLS) {
                fail(call, FailureReason.OVERLOAD);
            } else {
                queued.addLast(call);
            }
        }
    }

    private void fail(Call call, FailureReason reason) {
        stats.callFailures[reason.ordinal()].increment();
        call.fail(reason, deliveries);
        deliveries.flush();
    }

    private boolean trySend(Call call, long now) {
        PolicyServerLink best = null;
        for (PolicyServerLink s : servers) {
            if (s.accepts(now) && (best == null || s.outstanding() < best.outstanding())) {
                best = s;
            }
        }
        if (best != null && best.trySend(call, now)) {
            return true;
        }
        // The least busy server may be full while another has room.
        for (PolicyServerLink s : servers) {
            if (s != best && s.accepts(now) && s.trySend(call, now)) {
                return true;
            }
        }
        return false;
    }

    private boolean anyServerAccepts(long now) {
        for (PolicyServerLink s : servers) {
            if (s.accepts(now)) {
                return true;
            }
        }
        return false;
    }

    /** Sends queued calls while connections have room; drops those whose time is up. */
    void pump() {
        long now = System.nanoTime();
        Call c;
        while ((c = queued.peekFirst()) != null) {
            if (now - c.giveUpNanos > 0) {
                queued.pollFirst();
                fail(c, FailureReason.TIMEOUT);
                continue;
            }
            if (!trySend(c, now)) {
                break;
            }
            queued.pollFirst();
        }
    }

    /** A connection attempt failed: if now no server can take calls, queued calls fail at once. */
    void failQueuedIfNoServer() {
        long now = System.nanoTime();
        if (!anyServerAccepts(now)) {
            Call c;
            while ((c = queued.pollFirst()) != null) {
                fail(c, FailureReason.UNAVAILABLE);
            }
        } else {
            pump();
        }
    }

    private void checkOverdue() {
        long now = System.nanoTime();
        for (PolicyServerLink s : servers) {
            s.checkOverdue(now);
        }
        pump();
        if (!queued.isEmpty() && !anyServerAccepts(now)) {
            failQueuedIfNoServer();
        }
    }

    /** Stops probing and fails what is in flight; used when a reload drops or replaces the group. */
    void close() {
        io.execute(() -> {
            tasks.forEach(t -> t.cancel(false));
            Call c;
            while ((c = queued.pollFirst()) != null) {
                fail(c, FailureReason.UNAVAILABLE);
            }
            for (PolicyServerLink s : servers) {
                s.close();
            }
        });
    }
}
