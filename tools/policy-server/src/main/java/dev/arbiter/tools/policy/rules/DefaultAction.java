package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.CacheHint;
import dev.arbiter.tools.policy.protocol.Decision;
import dev.arbiter.tools.policy.protocol.RequestSummary;

/** {@code default}: the pool's local algorithm decides. */
final class DefaultAction implements Action {

    @Override
    public Decision decide(RequestSummary request, CacheHint cache) {
        return new Decision.UseDefault(cache);
    }
}
