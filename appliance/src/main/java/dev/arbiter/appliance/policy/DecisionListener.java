package dev.arbiter.appliance.policy;

/** A request waiting for its decision on an event loop. */
public interface DecisionListener {

    /** Called on the owning loop when the decision for request {@code id} arrives. */
    void onPolicyDecision(long id, Decision decision);
}
