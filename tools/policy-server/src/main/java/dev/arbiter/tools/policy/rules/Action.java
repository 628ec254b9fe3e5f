package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.CacheHint;
import dev.arbiter.tools.policy.protocol.Decision;
import dev.arbiter.tools.policy.protocol.RequestSummary;

/** What a matching rule does; turns the request into a protocol decision. */
interface Action {

    Decision decide(RequestSummary request, CacheHint cache);
}
