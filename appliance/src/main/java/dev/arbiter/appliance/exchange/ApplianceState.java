package dev.arbiter.appliance.exchange;

import dev.arbiter.appliance.route.RoutingTable;
import dev.arbiter.appliance.telemetry.ApplianceStats;

/**
 * What every event loop reads and only the control side writes: the current routing snapshot
 * and the drain flag, both swapped by reference.
 */
public final class ApplianceState {

    private volatile RoutingTable routing;
    private volatile boolean draining;
    private final ApplianceStats stats;

    public ApplianceState(RoutingTable routing, ApplianceStats stats) {
        this.routing = routing;
        this.stats = stats;
    }

    public RoutingTable routing() {
        return routing;
    }

    public void routing(RoutingTable table) {
        this.routing = table;
    }

    public boolean draining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }

    public ApplianceStats stats() {
        return stats;
    }
}
