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
 * @param policy          the external policy path: batcher, cache and policy server groups
 */
public record ApplianceConfig(String source, RuntimeConfig runtime, List<ListenerConfig> listeners,
                              List<VirtualServiceConfig> virtualServices, List<PoolConfig> pools,
                              LimitsConfig limits, AdminConfig admin, PolicyConfig policy) {

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
     * @param busyPollMicros        kernel busy polling for the loops' sockets (SO_BUSY_POLL; the image
     *                              also sets net.core.busy_poll/busy_read from it); 0 = off
     * @param idleSpinMicros        how long a loop that ran out of work keeps polling before it
     *                              sleeps; 0 = it sleeps at once
     * @param recvRingBuffers       io_uring: buffers in each loop's receive ring (a power of two)
     * @param recvBufferMaxBytes    io_uring: the largest receive buffer the ring hands out
     */
    public record RuntimeConfig(List<Integer> eventLoopCores, boolean pinThreads, Transport transport,
                                long timerResolutionMillis, int busyPollMicros, int idleSpinMicros,
                                int recvRingBuffers, int recvBufferMaxBytes) {
    }

    /**
     * A client-facing listener; port 0 binds a free port (tests).
     *
     * @param line where its port is set (its entry's line when the port is left out), for errors
     *             found only when binding
     * @param key  the key path of its port ({@code listeners[1].port})
     */
    public record ListenerConfig(String name, String address, int port, int line, String key) {

        /** Whether {@code o} is the same listener on the same socket, wherever it sits in the file. */
        public boolean sameSocket(ListenerConfig o) {
            return name.equals(o.name) && address.equals(o.address) && port == o.port;
        }
    }

    /**
     * @param hosts      exact host names, {@code *.suffix} wildcards, or {@code *} for any
     * @param pathPrefix requests whose path starts with it match
     */
    public record VirtualServiceConfig(String name, String listener, List<String> hosts, String pathPrefix,
                                       String pool, ServicePolicyConfig policy) {
    }

    /**
     * How one virtual service uses the policy path; null in {@link VirtualServiceConfig} when it does not.
     *
     * @param group           the policy server group to ask
     * @param shadow          ask but do not enforce: the local algorithm routes, decisions are only compared
     * @param deadlineMillis  from the complete request header; past it the request does not wait
     * @param onFailure       what a request gets when no valid decision arrives in time
     * @param headers         request headers (lower case) copied into the summary
     * @param allowedBackends backends outside the pool that decisions may name ({@code HOST:PORT})
     */
    public record ServicePolicyConfig(String group, boolean shadow, long deadlineMillis, OnFailure onFailure,
                                      List<String> headers, List<BackendConfig> allowedBackends) {
    }

    /** What a request gets when the policy path fails it. */
    public enum OnFailure {
        /** The pool's local algorithm routes it, marked with the fallback header. */
        FALLBACK,
        /** 503 at once. */
        REJECT
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

    /**
     * The policy path's shared settings and its server groups.
     *
     * @param handOff               how summaries reach the policy client: on the owning loop, or through the ring
     * @param ringSize              request summary slots in the hand-off ring (power of two)
     * @param waitStrategy          how the batcher waits for summaries
     * @param maxBatch              most summaries in one policy call
     * @param batcherCpu            CPU to pin the batcher thread to, or -1
     * @param maxResponseBytes      larger policy answers are failures
     * @param cacheEntriesPerLoop   decision cache size per event loop; 0 turns the cache off
     * @param fallbackHeader        response header marking fallback-served requests, or null for none
     * @param groups                policy server groups
     */
    public record PolicyConfig(HandOff handOff, int ringSize, WaitStrategyKind waitStrategy, int maxBatch, int batcherCpu,
                               long maxResponseBytes, int cacheEntriesPerLoop, String fallbackHeader,
                               List<PolicyGroupConfig> groups) {

        public PolicyGroupConfig group(String name) {
            for (PolicyGroupConfig g : groups) {
                if (g.name().equals(name)) {
                    return g;
                }
            }
            return null;
        }
    }

    /** The Disruptor wait strategies the batcher can use. */
    public enum WaitStrategyKind { BLOCKING, SLEEPING, YIELDING, BUSY_SPIN }

    /**
     * Where policy calls are made. {@code LOOP}: each event loop batches its own requests and calls
     * the policy servers over its own connections, so a decision never changes thread. {@code RING}:
     * every loop publishes into one Disruptor ring, a batcher thread drains it and a policy I/O
     * thread makes the calls, so batches gather requests from all loops at the price of two thread
     * hand-offs per decision.
     */
    public enum HandOff { LOOP, RING }

    /** Native batch protocol or per-request compatibility (auth_request style). */
    public enum PolicyMode { NATIVE, COMPAT }

    /**
     * A group of interchangeable policy servers.
     *
     * @param connectionsPerServer     keep-alive connections to each server
     * @param batchesInFlightPerConnection pipelined calls per connection
     * @param breakerFailures          failed calls in a row that open a server's circuit breaker
     * @param breakerOpenMillis        how long it stays open before one probe call is let through
     */
    public record PolicyGroupConfig(String name, PolicyMode mode, List<BackendConfig> servers,
                                    int connectionsPerServer, int batchesInFlightPerConnection, String compatPath,
                                    String healthPath, long healthIntervalMillis, long healthTimeoutMillis,
                                    int breakerFailures, long breakerOpenMillis, CompatHeaders compatHeaders) {
    }

    /** Names of the compatibility-mode answer headers that carry a decision. */
    public record CompatHeaders(String pool, String backend, String rewritePath, String rewriteQuery,
                                String setHeader, String removeHeader, String ttlMs, String scope) {
        public static final CompatHeaders DEFAULT = new CompatHeaders("x-policy-pool", "x-policy-backend",
                "x-policy-rewrite-path", "x-policy-rewrite-query", "x-policy-set-header", "x-policy-remove-header",
                "x-policy-ttl-ms", "x-policy-scope");
    }

    /** The admin listener and how long a drain may take. */
    public record AdminConfig(String address, int port, long drainTimeoutMillis, int line, String key) {

        /** Whether {@code o} has the same settings, wherever they sit in the file. */
        public boolean sameSettings(AdminConfig o) {
            return address.equals(o.address) && port == o.port && drainTimeoutMillis == o.drainTimeoutMillis;
        }
    }
}
