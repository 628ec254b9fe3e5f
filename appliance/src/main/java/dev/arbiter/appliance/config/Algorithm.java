package dev.arbiter.appliance.config;

/** The local algorithms a pool can use to pick a backend. */
public enum Algorithm {
    ROUND_ROBIN,
    WEIGHTED_ROUND_ROBIN,
    LEAST_OUTSTANDING,
    CONSISTENT_HASH
}
