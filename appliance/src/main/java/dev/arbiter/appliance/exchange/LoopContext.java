package dev.arbiter.appliance.exchange;

import dev.arbiter.appliance.listener.TransportSupport;
import dev.arbiter.appliance.policy.LoopPolicy;
import dev.arbiter.appliance.policy.PolicyStage;
import dev.arbiter.appliance.route.RoutingTable;
import dev.arbiter.appliance.upstream.UpstreamConnector;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Everything one event loop owns: its upstream connector, its client connections and their
 * deadlines, and a coarse clock. Only the loop's own thread touches it.
 *
 * <p>Deadlines are checked by one periodic sweep per loop rather than a timer per request: a
 * sweep costs one comparison per open connection, and arming a deadline costs a field write,
 * so the request path schedules nothing. Deadlines fire within one timer resolution. A loop
 * with no client connections for a second parks its sweep until the next one arrives, so an idle
 * appliance is not woken every tick.
 */
public final class LoopContext {

    private final int index;
    private final EventLoop eventLoop;
    private final ApplianceState state;
    private final UpstreamConnector connector;
    private final PolicyStage stage;
    private final LoopPolicy policy;
    private final List<ClientConnection> connections = new ArrayList<>();
    private final long tickMillis;
    private long nowNanos = System.nanoTime();
    private final Runnable sweepTask = this::sweep;
    /** The running sweep, or null while parked (no client connections for a while) or stopped. */
    private ScheduledFuture<?> sweep;
    private final int quietSweepsBeforeParking;
    private int quietSweeps;
    private boolean running;
    /** The routing snapshot the sweep last checked listeners against. */
    private RoutingTable sweptTable;

    public LoopContext(int index, EventLoop eventLoop, ApplianceState state, TransportSupport transport,
                       long tickMillis, PolicyStage stage) {
        this.index = index;
        this.stage = stage;
        this.policy = new LoopPolicy(index, stage.config().cacheEntriesPerLoop());
        this.eventLoop = eventLoop;
        this.state = state;
        this.tickMillis = tickMillis;
        this.quietSweepsBeforeParking = (int) Math.max(1, 1000 / tickMillis);
        this.connector = new UpstreamConnector(eventLoop, transport, index);
    }

    public void start() {
        running = true;
        armSweep();
    }

    public void stop() {
        running = false;
        if (sweep != null) {
            sweep.cancel(false);
            sweep = null;
        }
    }

    private void armSweep() {
        quietSweeps = 0;
        if (sweep == null && running) {
            refreshClock();
            sweep = eventLoop.scheduleAtFixedRate(sweepTask, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** True while the deadline sweep runs (tests: it parks on an idle loop, re-arms on a connection). */
    public boolean sweepArmed() {
        return sweep != null;
    }

    public int index() {
        return index;
    }

    public EventLoop eventLoop() {
        return eventLoop;
    }

    public ApplianceState state() {
        return state;
    }

    public UpstreamConnector connector() {
        return connector;
    }

    public PolicyStage stage() {
        return stage;
    }

    public LoopPolicy policy() {
        return policy;
    }

    /** The response header that marks fallback-served requests, or null when turned off. */
    public String fallbackHeader() {
        return state.routing().config().policy().fallbackHeader();
    }

    /** The loop's clock, refreshed at each sweep and whenever a connection asks for a fresh read. */
    public long nowNanos() {
        return nowNanos;
    }

    public long refreshClock() {
        nowNanos = System.nanoTime();
        return nowNanos;
    }

    public long nowMillis() {
        return nowNanos / 1_000_000;
    }

    void register(ClientConnection c) {
        c.slot = connections.size();
        connections.add(c);
        // accepted just before a reload closed its listener, after the sweep looked
        c.retired = !state.routing().hasListener(c.listener());
        armSweep();
    }

    void unregister(ClientConnection c) {
        int slot = c.slot;
        if (slot < 0) {
            return;
        }
        int last = connections.size() - 1;
        ClientConnection moved = connections.get(last);
        connections.set(slot, moved);
        moved.slot = slot;
        connections.remove(last);
        c.slot = -1;
    }

    private void sweep() {
        long now = refreshClock();
        boolean draining = state.draining();
        RoutingTable table = state.routing();
        if (table != sweptTable) {
            sweptTable = table;
            retireConnectionsOfRemovedListeners(table);
        }
        // Walk backwards: a connection that closes during its check swaps in the last one.
        for (int i = connections.size() - 1; i >= 0; i--) {
            if (i >= connections.size()) {
                continue;
            }
            ClientConnection c = connections.get(i);
            if (c.deadlineNanos <= now) {
                c.onDeadline();
            } else if (draining || c.retired) {
                c.onDrain();
            }
        }
        if (!connections.isEmpty()) {
            quietSweeps = 0;
        } else if (++quietSweeps >= quietSweepsBeforeParking && sweep != null) {
            sweep.cancel(false);
            sweep = null;
        }
    }

    /**
     * A reload removed the listeners some connections came in on: they are drained like every
     * connection on a drain (idle ones close now, busy ones after their response).
     */
    private void retireConnectionsOfRemovedListeners(RoutingTable table) {
        for (int i = 0; i < connections.size(); i++) {
            ClientConnection c = connections.get(i);
            if (!c.retired && !table.hasListener(c.listener())) {
                c.retired = true;
            }
        }
    }
}
