package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.CacheHint;
import dev.arbiter.tools.policy.protocol.Decision;
import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.Map;

/** {@code respond}: answer the client from the policy (deny, redirect, maintenance page). */
final class RespondAction implements Action {

    private final int status;
    private final Map<String, String> headers;
    private final String body;

    RespondAction(int status, Map<String, String> headers, String body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    @Override
    public Decision decide(RequestSummary request, CacheHint cache) {
        return new Decision.Respond(status, headers, body, cache);
    }
}
