package dev.arbiter.appliance.policy;

import com.fasterxml.jackson.core.io.SerializedString;
import dev.arbiter.appliance.config.ApplianceConfig.ServicePolicyConfig;
import dev.arbiter.appliance.route.Pool;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * The policy settings of one virtual service in one config snapshot, bound to its policy group
 * (one instance per event loop, or one shared) and counters. Read by the event loops, the
 * batcher and the policy I/O thread; immutable.
 */
public final class ServicePolicy {

    private final String service;
    private final int index;
    private final ServicePolicyConfig config;
    private final PolicyGroup[] groups;
    private final List<String> headerNames;
    private final SerializedString serviceJson;
    private final SerializedString[] headerNamesJson;
    private final AsciiString[] headerKeys;
    private final Pool allowed;
    private final PolicyServiceStats stats;
    private final long deadlineNanos;

    ServicePolicy(String service, int index, ServicePolicyConfig config, PolicyGroup[] groups, Pool allowed,
                  PolicyServiceStats stats) {
        this.service = service;
        this.index = index;
        this.config = config;
        this.groups = groups;
        this.headerNames = config.headers();
        this.serviceJson = new SerializedString(service);
        this.headerNamesJson = new SerializedString[headerNames.size()];
        for (int i = 0; i < headerNamesJson.length; i++) {
            headerNamesJson[i] = new SerializedString(headerNames.get(i));
        }
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

    /** The group instance that serves requests of event loop {@code loop}: its own, or the shared one. */
    public PolicyGroup group(int loop) {
        return groups[groups.length == 1 ? 0 : loop];
    }

    /** The group's counters, shared by all its instances. */
    public PolicyGroupStats groupStats() {
        return groups[0].stats();
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

    /** The service name, quoted and escaped for JSON once (summaries carry it). */
    SerializedString serviceJson() {
        return serviceJson;
    }

    /** The listed header names, quoted and escaped for JSON once. */
    SerializedString headerNameJson(int i) {
        return headerNamesJson[i];
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
