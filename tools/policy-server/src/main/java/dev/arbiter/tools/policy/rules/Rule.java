package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.CacheHint;
import dev.arbiter.tools.policy.protocol.Decision;
import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.List;

/** One entry of {@code rules}: when every condition holds, the action decides. */
record Rule(String name, int line, List<Condition> conditions, Action action, CacheHint cache) {

    Rule {
        conditions = List.copyOf(conditions);
    }

    boolean matches(RequestSummary request) {
        return allHold(conditions, request);
    }

    Decision decide(RequestSummary request) {
        return action.decide(request, cache);
    }

    static boolean allHold(List<Condition> conditions, RequestSummary request) {
        for (Condition condition : conditions) {
            if (!condition.test(request)) {
                return false;
            }
        }
        return true;
    }
}
