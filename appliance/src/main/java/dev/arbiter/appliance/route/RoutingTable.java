package dev.arbiter.appliance.route;

import dev.arbiter.appliance.config.ApplianceConfig;
import dev.arbiter.appliance.config.ApplianceConfig.BackendConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PoolConfig;
import dev.arbiter.appliance.config.ApplianceConfig.VirtualServiceConfig;
import dev.arbiter.appliance.telemetry.ServiceStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routing part of one config snapshot: virtual services, pools and backends, immutable once
 * built. The event loops read the current table through a volatile reference; a reload builds a
 * new table and swaps the reference, so a request in flight keeps the table it started with.
 */
public final class RoutingTable {

    private final ApplianceConfig config;
    private final Map<String, HostMatcher> byListener = new HashMap<>();
    private final Map<String, Pool> pools = new LinkedHashMap<>();
    private final List<VirtualService> services = new ArrayList<>();
    private final List<Backend> retired = new ArrayList<>();

    private RoutingTable(ApplianceConfig config) {
        this.config = config;
    }

    /**
     * Builds a table for {@code config}, reusing from {@code previous} (may be null) each backend
     * that keeps its pool and address, and each service's counters, so reloads lose no state.
     * Backends the new config drops are retired.
     */
    public static RoutingTable build(ApplianceConfig config, RoutingTable previous, int loops) {
        RoutingTable t = new RoutingTable(config);
        Map<String, Backend> oldBackends = new HashMap<>();
        Map<String, ServiceStats> oldStats = new HashMap<>();
        if (previous != null) {
            for (Pool p : previous.pools.values()) {
                for (Backend b : p.backends()) {
                    oldBackends.put(p.name() + "|" + b.address(), b);
                }
            }
            for (VirtualService vs : previous.services) {
                oldStats.put(vs.name(), vs.stats());
                if (vs.allowed() != null) {
                    for (Backend b : vs.allowed().backends()) {
                        oldBackends.put(vs.allowed().name() + "|" + b.address(), b);
                    }
                }
            }
        }
        for (PoolConfig pc : config.pools()) {
            Backend[] backends = new Backend[pc.backends().size()];
            for (int i = 0; i < backends.length; i++) {
                BackendConfig bc = pc.backends().get(i);
                Backend b = oldBackends.remove(pc.name() + "|" + bc.address());
                if (b == null) {
                    b = new Backend(pc.name(), bc, loops);
                }
                b.update(bc, pc.passiveEjection(), pc.healthCheck() != null);
                backends[i] = b;
            }
            t.pools.put(pc.name(), new Pool(pc, backends, loops));
        }
        Map<String, List<VirtualService>> perListener = new HashMap<>();
        for (VirtualServiceConfig vc : config.virtualServices()) {
            ServiceStats stats = oldStats.get(vc.name());
            Pool allowed = null;
            if (vc.policy() != null && !vc.policy().allowedBackends().isEmpty()) {
                allowed = allowedPool(vc, t.pools.get(vc.pool()).config(), oldBackends, loops);
            }
            VirtualService vs = new VirtualService(vc, t.pools.get(vc.pool()), allowed,
                    stats != null ? stats : new ServiceStats(vc.name(), loops));
            t.services.add(vs);
            perListener.computeIfAbsent(vc.listener(), k -> new ArrayList<>()).add(vs);
        }
        perListener.forEach((listener, list) -> t.byListener.put(listener, new HostMatcher(list)));
        for (Backend b : oldBackends.values()) {
            b.retire();
            t.retired.add(b);
        }

        return t;
    }

    /**
     * The backends a service's policy may name outside its pool, as a pool of their own with
     * the service pool's timeouts and retry rules (name {@code SERVICE/allowed}).
     */
    private static Pool allowedPool(VirtualServiceConfig vc, PoolConfig base, Map<String, Backend> oldBackends,
                                    int loops) {
        String name = vc.name() + "/allowed";
        PoolConfig pc = new PoolConfig(name, dev.arbiter.appliance.config.Algorithm.ROUND_ROBIN, base.hashKey(),
                vc.policy().allowedBackends(), null, base.passiveEjection(), base.retries(), base.connectTimeoutMillis(),
                base.responseHeaderTimeoutMillis(), base.maxIdlePerLoop());
        Backend[] backends = new Backend[pc.backends().size()];
        for (int i = 0; i < backends.length; i++) {
            BackendConfig bc = pc.backends().get(i);
            Backend b = oldBackends.remove(name + "|" + bc.address());
            if (b == null) {
                b = new Backend(name, bc, loops);
            }
            b.update(bc, pc.passiveEjection(), false);
            backends[i] = b;
        }
        return new Pool(pc, backends, loops);
    }

    public ApplianceConfig config() {
        return config;
    }

    /**
     * The virtual service for a request on {@code listener}; null when none matches.
     *
     * @param hostHeader the Host header as received (any case, may carry a port), or null
     */
    public VirtualService match(String listener, String hostHeader, String path) {
        HostMatcher m = byListener.get(listener);
        if (m == null) {
            return null;
        }
        return m.match(hostHeader, path);
    }

    /** Whether the config has a listener named {@code name} (a reload may have removed it). */
    public boolean hasListener(String name) {
        for (ApplianceConfig.ListenerConfig l : config.listeners()) {
            if (l.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** Backends the previous table had and this one dropped. */
    public List<Backend> retired() {
        return retired;
    }

    public Pool pool(String name) {
        return pools.get(name);
    }

    public List<Pool> pools() {
        return List.copyOf(pools.values());
    }

    public List<VirtualService> services() {
        return services;
    }
}
