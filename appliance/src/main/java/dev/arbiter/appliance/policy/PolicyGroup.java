package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.config.ApplianceConfig.BackendConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyGroupConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyMode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A group of interchangeable policy servers and the requests waiting for a call. With the ring
 * hand-off one instance runs on the policy I/O thread ({@link #run} is the batcher thread's);
 * with the loop hand-off each event loop has its own instance, with its own connections, and
 * runs it on that loop. The instances of a group share its counters.
 *
 * <p>Batching: requests wait here only while every call slot is taken (each server has
 * {@code connections-per-server} connections with {@code batches-in-flight-per-connection}
 * calls each). When a slot frees up, everything waiting (up to {@code max-batch}) leaves in one
 * call. So a lone request goes at once, and under load a batch holds what arrived during one
 * policy round trip: the calls per request fall as the load rises.
 *
 * <p>A call goes to the healthy server whose breaker lets it through with the fewest calls in
 * flight. When no server can take calls, waiting requests fail at once ({@code unavailable}):
 * a dead policy tier costs requests nothing but the fallback.
 */
public final class PolicyGroup {

    private static final Logger LOG = Logger.getLogger(PolicyGroup.class.getName());
    private static final int MAX_WAITING = 65_536;
    private static final long OVERDUE_TICK_MILLIS = 5;
    /** Quiet ticks (1 s) after which the overdue check parks until the next request: an idle loop sleeps. */
    private static final int QUIET_TICKS_BEFORE_PARKING = 200;

    private final PolicyGroupConfig config;
    private final int maxBatch;
    private final EventLoop io;
    private final Bootstrap template;
    private final PolicyServerLink[] servers;
    private final ArrayDeque<PendingRequest> waiting = new ArrayDeque<>();
    private final PolicyGroupStats stats;
    private final Runnable pumpTask = this::pumpScheduled;
    private boolean pumpPending;
    private PolicyGroup[] siblings = {this};
    private final Deliveries deliveries;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private final Runnable overdueTask = this::checkOverdue;
    /** The running overdue check, or null while parked (nothing waiting or in flight for a while). */
    private ScheduledFuture<?> overdueCheck;
    private int quietTicks;
    private boolean closed;
    /** Rendered host and client fields, for this instance's thread (batcher or loop). */
    private final SummaryTexts texts = new SummaryTexts();
    /** This instance's generator and parser, kept from call to call (its thread only). */
    private final NativeCodec.Encoder encoder = new NativeCodec.Encoder();
    private final NativeCodec.Decoder decoder = new NativeCodec.Decoder();
    /** Batcher thread only: summaries of the current ring run. */
    final List<PendingRequest> run = new ArrayList<>();

    PolicyGroup(PolicyGroupConfig config, int maxBatch, EventLoop io, Bootstrap template, int maxResponseBytes,
                Deliveries deliveries, PolicyGroupStats stats) {
        this.config = config;
        this.stats = stats;
        this.maxBatch = maxBatch;
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
            if (siblings[0] != this) {
                return; // the first loop's instance checks health for all of them
            }
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

    /** The instances of this group on the other event loops (loop hand-off), this one included. */
    void siblings(PolicyGroup[] all) {
        this.siblings = all;
        for (int i = 0; i < servers.length; i++) {
            servers[i].healthFrom(all[0].servers[i]);
        }
    }

    /**
     * For metrics: each server's address, health and breaker state (0 closed, 1 open, 2 half-open).
     * With one instance per loop, health is checked once for all of them (by the first loop's) and
     * the breaker shows the most open state of any loop.
     */
    public List<String[]> serverStates() {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < servers.length; i++) {
            boolean up = true;
            int breaker = PolicyServerLink.CLOSED;
            for (PolicyGroup g : siblings) {
                PolicyServerLink s = g.servers[i];
                up &= s.healthy();
                int b = s.breakerState();
                breaker = b == PolicyServerLink.OPEN || breaker == PolicyServerLink.OPEN ? PolicyServerLink.OPEN
                        : Math.max(breaker, b);
            }
            out.add(new String[] {servers[i].address(), up ? "1" : "0", Integer.toString(breaker)});
        }
        return out;
    }

    /**
     * Loop hand-off, on the owning loop: the request waits for a call slot. The calls go out once
     * the loop has read everything that is ready, so what arrived in one read pass shares a call;
     * nothing is decided (or failed) before this returns.
     *
     * @return false when too many requests wait already ({@code overload})
     */
    boolean submit(PendingRequest p) {
        if (waiting.size() >= MAX_WAITING) {
            return false;
        }
        waiting.addLast(p);
        armOverdueCheck();
        if (!pumpPending) {
            pumpPending = true;
            io.execute(pumpTask);
        }
        return true;
    }

    private void pumpScheduled() {
        pumpPending = false;
        pump();
    }

    /** Policy I/O thread: requests handed over by the batcher wait for a call slot. */
    void enqueue(List<PendingRequest> requests) {
        for (int i = 0; i < requests.size(); i++) {
            if (waiting.size() >= MAX_WAITING) {
                fail(requests.get(i), FailureReason.OVERLOAD);
            } else {
                waiting.addLast(requests.get(i));
            }
        }
        armOverdueCheck();
        deliveries.flush();
        pump();
    }

    /**
     * A request of a call that never got its answer goes back to the head of the queue, to be
     * sent again in another call (its deadline still runs; {@link #pump} drops it once passed).
     */
    void requeueFirst(PendingRequest r) {
        waiting.addFirst(r);
    }

    /** Sends calls while there are waiting requests and free call slots. */
    void pump() {
        long now = System.nanoTime();
        while (!waiting.isEmpty()) {
            dropExpired(now);
            if (waiting.isEmpty()) {
                break;
            }
            PolicyConnection conn = freeConnection(now);
            if (conn == null) {
                if (!anyServerAccepts(now)) {
                    failWaiting(FailureReason.UNAVAILABLE);
                }
                break;
            }
            Call call = nextCall();
            if (call == null) {
                break;
            }
            stats.calls.increment();
            stats.summaries.add(call.size());
            stats.recordBatch(deliveries.writer(), call.size());
            conn.server().send(conn, call);
        }
        deliveries.flush();
    }

    private Call nextCall() {
        if (config.mode() == PolicyMode.COMPAT) {
            PendingRequest r = waiting.pollFirst();
            return new CompatCall(r, config.compatPath(), config.compatHeaders(), r.localPort, giveUp(r));
        }
        int n = Math.min(maxBatch, waiting.size());
        List<PendingRequest> batch = new ArrayList<>(n);
        long giveUp = 0;
        for (int i = 0; i < n; i++) {
            PendingRequest r = waiting.pollFirst();
            batch.add(r);
            giveUp = i == 0 ? giveUp(r) : Math.max(giveUp, giveUp(r));
        }
        ByteBuf body = PooledByteBufAllocator.DEFAULT.directBuffer(256 * n);
        try {
            encoder.encode(batch, body, texts);
        } catch (IOException | RuntimeException e) {
            body.release();
            LOG.log(Level.SEVERE, "cannot encode a policy batch", e);
            for (PendingRequest r : batch) {
                fail(r, FailureReason.INVALID_RESPONSE);
            }
            return null;
        }
        return new NativeCall(batch, body, giveUp, decoder);
    }

    private static long giveUp(PendingRequest r) {
        return r.publishNanos + r.policy.deadlineNanos();
    }

    /** Requests whose deadline passed while waiting have already fallen back on their loop. */
    private void dropExpired(long now) {
        PendingRequest r;
        while ((r = waiting.peekFirst()) != null && now - giveUp(r) > 0) {
            waiting.pollFirst();
            fail(r, FailureReason.TIMEOUT);
        }
    }

    private PolicyConnection freeConnection(long now) {
        PolicyServerLink best = null;
        for (PolicyServerLink s : servers) {
            if (s.accepts(now) && (best == null || s.outstanding() < best.outstanding())) {
                best = s;
            }
        }
        PolicyConnection c = best == null ? null : best.freeConnection();
        if (c != null) {
            return c;
        }
        for (PolicyServerLink s : servers) {
            if (s != best && s.accepts(now)) {
                c = s.freeConnection();
                if (c != null) {
                    return c;
                }
            }
        }
        return null;
    }

    private boolean anyServerAccepts(long now) {
        for (PolicyServerLink s : servers) {
            if (s.accepts(now)) {
                return true;
            }
        }
        return false;
    }

    private void fail(PendingRequest r, FailureReason reason) {
        stats.callFailures[reason.ordinal()].increment();
        deliveries.add(r, Decision.failed(reason.token()), 0);
    }

    private void failWaiting(FailureReason reason) {
        PendingRequest r;
        while ((r = waiting.pollFirst()) != null) {
            fail(r, reason);
        }
        deliveries.flush();
    }

    /** A connection attempt failed: if now no server can take calls, waiting requests fail at once. */
    void failWaitingIfNoServer() {
        if (!anyServerAccepts(System.nanoTime())) {
            failWaiting(FailureReason.UNAVAILABLE);
        } else {
            pump();
        }
    }

    /**
     * Calls past their deadline fail, waiting requests past theirs fall back, and calls go out when
     * a breaker lets them: every {@value #OVERDUE_TICK_MILLIS} ms while there is anything waiting or
     * in flight. After a quiet second the check parks, so an idle loop is not woken 200 times a second;
     * the next request re-arms it.
     */
    private void armOverdueCheck() {
        quietTicks = 0;
        if (overdueCheck == null && !closed) {
            overdueCheck = io.scheduleAtFixedRate(overdueTask, OVERDUE_TICK_MILLIS, OVERDUE_TICK_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }

    private void checkOverdue() {
        long now = System.nanoTime();
        int inFlight = 0;
        for (PolicyServerLink s : servers) {
            s.checkOverdue(now);
            inFlight += s.outstanding();
        }
        pump();
        if (inFlight > 0 || !waiting.isEmpty()) {
            quietTicks = 0;
        } else if (++quietTicks >= QUIET_TICKS_BEFORE_PARKING && overdueCheck != null) {
            overdueCheck.cancel(false);
            overdueCheck = null;
        }
    }

    /** True while the overdue check runs (tests: it parks when idle, re-arms on demand). */
    boolean overdueCheckArmed() {
        return overdueCheck != null;
    }

    /** Stops probing and fails what is in flight; used when a reload drops or replaces the group. */
    void close() {
        if (io.isShuttingDown()) {
            return; // the loop is gone and its connections with it
        }
        io.execute(() -> {
            closed = true;
            tasks.forEach(t -> t.cancel(false));
            if (overdueCheck != null) {
                overdueCheck.cancel(false);
                overdueCheck = null;
            }
            failWaiting(FailureReason.UNAVAILABLE);
            for (PolicyServerLink s : servers) {
                s.close();
            }
        });
    }
}
