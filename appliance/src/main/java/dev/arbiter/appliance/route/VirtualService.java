package dev.arbiter.appliance.route;

import dev.arbiter.appliance.config.ApplianceConfig.VirtualServiceConfig;
import dev.arbiter.appliance.policy.ServicePolicy;
import dev.arbiter.appliance.telemetry.ServiceStats;

/** A virtual service of one config snapshot: its match, its pool and its counters. */
public final class VirtualService {

    private final VirtualServiceConfig config;
    private final Pool pool;
    private final ServiceStats stats;
    private final Pool allowed;
    private ServicePolicy policy;

    VirtualService(VirtualServiceConfig config, Pool pool, Pool allowed, ServiceStats stats) {
        this.config = config;
        this.pool = pool;
        this.allowed = allowed;
        this.stats = stats;
    }

    /** Backends outside the pool that policy decisions may name, as a pool; null when none. */
    public Pool allowed() {
        return allowed;
    }

    /** The service's policy binding, or null when it routes by its local algorithm only. */
    public ServicePolicy policy() {
        return policy;
    }

    /**
     * Binds the policy; called once while the table is built, before the table is published
     * to the loops through a volatile write.
     */
    public void policy(ServicePolicy p) {
        this.policy = p;
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
