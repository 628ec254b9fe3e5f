package dev.arbiter.appliance.route;

import dev.arbiter.appliance.config.ApplianceConfig.BackendConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PassiveEjectionConfig;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend of one pool: its address, its health as the checker and live traffic see it, and
 * per-event-loop state that only that loop touches.
 *
 * <p>Health and the connection count are shared across loops (written rarely: on connect, close,
 * a check or a failure run); everything written per request lives in {@link #onLoop(int)}.
 * A backend object survives config reloads as long as its pool keeps the same address, so its
 * health, its connections and its idle keep-alive pool carry over.
 */
public final class Backend {

    private final String pool;
    private final String address;
    private final InetSocketAddress socketAddress;
    private final BackendLoopState[] perLoop;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private volatile int maxConnections;
    private volatile PassiveEjectionConfig passive;
    private volatile boolean activelyChecked;
    private volatile boolean checkUp = true;
    private volatile long ejectedUntilMillis;
    private volatile boolean retired;

    Backend(String pool, BackendConfig config, int loops) {
        this.pool = pool;
        this.address = config.address();
        this.socketAddress = new InetSocketAddress(config.host(), config.port());
        this.perLoop = new BackendLoopState[loops];
        for (int i = 0; i < loops; i++) {
            perLoop[i] = new BackendLoopState();
        }
        this.maxConnections = config.maxConnections();
    }

    void update(BackendConfig config, PassiveEjectionConfig passive, boolean activelyChecked) {
        this.maxConnections = config.maxConnections();
        this.passive = passive;
        this.activelyChecked = activelyChecked;
        if (!activelyChecked) {
            checkUp = true;
        }
    }

    public String pool() {
        return pool;
    }

    public String address() {
        return address;
    }

    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    /** State owned by event loop {@code loop}; only that loop may touch it. */
    public BackendLoopState onLoop(int loop) {
        return perLoop[loop];
    }

    public int loopCount() {
        return perLoop.length;
    }

    /**
     * Usable for new requests: passing its checks and not ejected by live traffic. Retirement
     * does not count here: a request that read the previous table just before a reload may still
     * pick a retired backend, and that is fine; the backend is still there, only no longer pooled.
     */
    public boolean available(long nowMillis) {
        return checkUp && nowMillis >= ejectedUntilMillis;
    }

    public boolean checkUp() {
        return checkUp;
    }

    public boolean ejected(long nowMillis) {
        return nowMillis < ejectedUntilMillis;
    }

    /** Takes one connection slot under the backend's cap; false when the cap is reached. */
    public boolean tryReserveConnection() {
        int max = maxConnections;
        while (true) {
            int c = connections.get();
            if (c >= max) {
                return false;
            }
            if (connections.compareAndSet(c, c + 1)) {
                return true;
            }
        }
    }

    public void releaseConnection() {
        connections.decrementAndGet();
    }

    public int connections() {
        return connections.get();
    }

    /** A connect failure or a 5xx from live traffic; a run of them ejects the backend. */
    public void recordFailure(long nowMillis) {
        PassiveEjectionConfig p = passive;
        int run = consecutiveFailures.incrementAndGet();
        if (p != null && p.consecutiveFailures() > 0 && run >= p.consecutiveFailures()) {
            consecutiveFailures.set(0);
            // With active checks, an ejected backend returns when the checks pass again.
            ejectedUntilMillis = activelyChecked ? Long.MAX_VALUE : nowMillis + p.ejectionMillis();
            if (activelyChecked) {
                checkUp = false;
            }
        }
    }

    public void recordSuccess() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    /** Called by the health checker when the check state flips. */
    public void checkResult(boolean up) {
        checkUp = up;
        if (up) {
            ejectedUntilMillis = 0;
        }
    }

    /** Removed from the config: its connections are no longer kept idle; its loops close the idle ones. */
    public void retire() {
        retired = true;
    }

    public boolean retired() {
        return retired;
    }

    @Override
    public String toString() {
        return pool + "/" + address;
    }
}
