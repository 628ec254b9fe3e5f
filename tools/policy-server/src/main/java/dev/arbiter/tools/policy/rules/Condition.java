package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.RequestSummary;

/** One test of a rule's {@code match} block; a rule matches when all of its conditions hold. */
interface Condition {

    boolean test(RequestSummary request);
}
