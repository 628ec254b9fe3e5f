package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.config.ApplianceConfig.ServicePolicyConfig;
import dev.arbiter.appliance.route.Pool;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * The policy settings of one virtual service in one config snapshot, bound to its policy group
 * and counters. Read by the event loops, the batcher and the policy I/O thread; immutable.
 */
public final class ServicePolicy {

    private final String service;
    private final int index;
    private final ServicePolicyConfig config;
    private final PolicyGroup group;
    private final List<String> headerNames;
    private final AsciiString[] headerKeys;
    private final Pool allowed;
    private final PolicyServiceStats stats;
    private final long deadlineNanos;

    ServicePolicy(String service, int index, ServicePolicyConfig config, PolicyGroup group, Pool allowed,
                  PolicyServiceStats stats) {
        this.service = service;
        this.index = index;
        this.config = config;
        this.group = group;
        this.headerNames = config.headers();
        this.headerKeys = new AsciiString[headerNames.size()];
        for (int i = 0; i < headerKeys.length; i++) {
            headerKeys[i] = AsciiString.cached(headerNames.get(i));
        }
        this.allowed = allowed;
        this.stats = stats;
        this.deadlineNanos = config.deadlineMillis() * 1_000_000L;
    }

    public String service() {
        return service;
    }

    /** Position of the service in its routing table; keys the per-loop cache's scope lists. */
    public int index() {
        return index;
    }

    public ServicePolicyConfig config() {
        return config;
    }

    public PolicyGroup group() {
        return group;
    }

    public boolean shadow() {
        return config.shadow();
    }

    public boolean rejectOnFailure() {
        return config.onFailure() == dev.arbiter.appliance.config.ApplianceConfig.OnFailure.REJECT;
    }

    public long deadlineNanos() {
        return deadlineNanos;
    }

    public List<String> headerNames() {
        return headerNames;
    }

    public int headerCount() {
        return headerKeys.length;
    }

    public AsciiString headerKey(int i) {
        return headerKeys[i];
    }

    /** Backends outside the pool that decisions may name, as a pool; null when none are allowed. */
    public Pool allowed() {
        return allowed;
    }

    public PolicyServiceStats stats() {
        return stats;
    }
}
