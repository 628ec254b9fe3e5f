package dev.arbiter.appliance.route;

import dev.arbiter.appliance.config.ApplianceConfig.PoolConfig;
import java.util.List;

/** A backend pool of one config snapshot, with one picker per event loop. */
public final class Pool {

    private final PoolConfig config;
    private final Backend[] backends;
    private final Picker[] pickers;

    Pool(PoolConfig config, Backend[] backends, int loops) {
        this.config = config;
        this.backends = backends;
        int[] weights = new int[backends.length];
        for (int i = 0; i < backends.length; i++) {
            weights[i] = config.backends().get(i).weight();
        }
        this.pickers = new Picker[loops];
        ConsistentHash ring = switch (config.algorithm()) {
            case CONSISTENT_HASH -> ConsistentHash.build(backends, weights, config.hashKey());
            default -> null;
        };
        int[] cycle = config.algorithm() == dev.arbiter.appliance.config.Algorithm.WEIGHTED_ROUND_ROBIN
                ? WeightedRoundRobin.cycle(weights) : null;
        for (int loop = 0; loop < loops; loop++) {
            pickers[loop] = switch (config.algorithm()) {
                case ROUND_ROBIN -> new RoundRobin(backends);
                case WEIGHTED_ROUND_ROBIN -> WeightedRoundRobin.forLoop(backends, weights, cycle, loop);
                case LEAST_OUTSTANDING -> new LeastOutstanding(backends, weights, loop);
                case CONSISTENT_HASH -> ring;
            };
        }
    }

    public String name() {
        return config.name();
    }

    public PoolConfig config() {
        return config;
    }

    public Picker picker(int loop) {
        return pickers[loop];
    }

    public List<Backend> backends() {
        return List.of(backends);
    }

    /** The backend with this address, or null. */
    public Backend backend(String address) {
        for (Backend b : backends) {
            if (b.address().equals(address)) {
                return b;
            }
        }
        return null;
    }
}
