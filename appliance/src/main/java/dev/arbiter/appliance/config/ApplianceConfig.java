package dev.arbiter.appliance.config;

import java.util.List;

/**
 * The whole appliance config: one immutable snapshot, validated before anything uses it.
 *
 * @param source          the file it was read from, as named by the operator
 * @param runtime         cores, pinning, transport
 * @param listeners       client-facing HTTP listeners
 * @param virtualServices services matched by host and path prefix, in match order
 * @param pools           backend pools
 * @param limits          per-connection and per-request limits
 * @param admin           the admin listener
 */
public record ApplianceConfig(String source, RuntimeConfig runtime, List<ListenerConfig> listeners,
                              List<VirtualServiceConfig> virtualServices, List<PoolConfig> pools,
                              LimitsConfig limits, AdminConfig admin) {

    public PoolConfig pool(String name) {
        for (PoolConfig p : pools) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /**
     * @param eventLoopCores the CPU of each event loop, one loop per entry
     * @param pinThreads     whether each loop thread is bound to its CPU
     * @param transport      the I/O layer
     * @param timerResolutionMillis how often each loop checks its connection deadlines
     */
    public record RuntimeConfig(List<Integer> eventLoopCores, boolean pinThreads, Transport transport,
                                long timerResolutionMillis) {
    }

    /** A client-facing listener; port 0 binds a free port (tests). */
    public record ListenerConfig(String name, String address, int port) {
    }

    /**
     * @param hosts      exact host names, {@code *.suffix} wildcards, or {@code *} for any
     * @param pathPrefix requests whose path starts with it match
     */
    public record VirtualServiceConfig(String name, String listener, List<String> hosts, String pathPrefix,
                                       String pool) {
    }

    /** A backend pool and how it is balanced, checked and retried. */
    public record PoolConfig(String name, Algorithm algorithm, HashKey hashKey, List<BackendConfig> backends,
                             HealthCheckConfig healthCheck, PassiveEjectionConfig passiveEjection, int retries,
                             long connectTimeoutMillis, long responseHeaderTimeoutMillis, int maxIdlePerLoop) {
    }

    /** A backend address with its weight and connection cap (over all event loops). */
    public record BackendConfig(String host, int port, int weight, int maxConnections) {
        public String address() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** What consistent hashing hashes: the client address, the path, or a named header. */
    public record HashKey(Kind kind, String header) {
        public enum Kind { CLIENT_ADDRESS, PATH, HEADER }

        public static final HashKey CLIENT_ADDRESS = new HashKey(Kind.CLIENT_ADDRESS, null);
    }

    /** Active HTTP health checking; null in {@link PoolConfig} when the pool has none. */
    public record HealthCheckConfig(String path, long intervalMillis, long timeoutMillis, int rise, int fall) {
    }

    /** Ejection on a run of connect failures or 5xx answers from live traffic. */
    public record PassiveEjectionConfig(int consecutiveFailures, long ejectionMillis) {
    }

    /** Client-side limits; see docs/config.md for the status code of each. */
    public record LimitsConfig(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount,
                               long headerTimeoutMillis, long idleTimeoutMillis, int maxRequestsPerConnection,
                               long maxBodyBytes, int maxClientConnections) {
    }

    /** The admin listener and how long a drain may take. */
    public record AdminConfig(String address, int port, long drainTimeoutMillis) {
    }
}
