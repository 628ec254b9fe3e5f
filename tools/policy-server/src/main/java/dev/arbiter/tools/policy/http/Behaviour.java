package dev.arbiter.tools.policy.http;

import dev.arbiter.tools.policy.FailMode;
import dev.arbiter.tools.policy.rules.RuleSet;

/**
 * The parts of a running server that tests and {@code --watch} may change while it serves;
 * each is swapped whole, by reference, so handlers read a consistent value without locks.
 */
public final class Behaviour {

    private volatile RuleSet rules;
    private volatile long latencyMs;
    private volatile FailMode failMode;
    private final boolean failHealth;
    private final boolean logDecisions;

    public Behaviour(RuleSet rules, long latencyMs, FailMode failMode, boolean failHealth, boolean logDecisions) {
        this.rules = rules;
        this.latencyMs = latencyMs;
        this.failMode = failMode;
        this.failHealth = failHealth;
        this.logDecisions = logDecisions;
    }

    public RuleSet rules() {
        return rules;
    }

    public void rules(RuleSet newRules) {
        rules = newRules;
    }

    public long latencyMs() {
        return latencyMs;
    }

    public void latencyMs(long ms) {
        if (ms < 0) {
            throw new IllegalArgumentException("latencyMs=" + ms + " < 0");
        }
        latencyMs = ms;
    }

    public FailMode failMode() {
        return failMode;
    }

    public void failMode(FailMode mode) {
        failMode = mode;
    }

    public boolean failHealth() {
        return failHealth;
    }

    public boolean logDecisions() {
        return logDecisions;
    }
}
