package dev.arbiter.appliance.route;

import dev.arbiter.appliance.config.ApplianceConfig.VirtualServiceConfig;
import dev.arbiter.appliance.telemetry.ServiceStats;

/** A virtual service of one config snapshot: its match, its pool and its counters. */
public final class VirtualService {

    private final VirtualServiceConfig config;
    private final Pool pool;
    private final ServiceStats stats;

    VirtualService(VirtualServiceConfig config, Pool pool, ServiceStats stats) {
        this.config = config;
        this.pool = pool;
        this.stats = stats;
    }

    public String name() {
        return config.name();
    }

    public VirtualServiceConfig config() {
        return config;
    }

    public Pool pool() {
        return pool;
    }

    public ServiceStats stats() {
        return stats;
    }
}
