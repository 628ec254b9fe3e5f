package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.List;

/** Holds when the nested match block does not (when not all of its conditions hold). */
final class NotCondition implements Condition {

    private final List<Condition> inner;

    NotCondition(List<Condition> inner) {
        this.inner = List.copyOf(inner);
    }

    @Override
    public boolean test(RequestSummary request) {
        return !Rule.allHold(inner, request);
    }
}
