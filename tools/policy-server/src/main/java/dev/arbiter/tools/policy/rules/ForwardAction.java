package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.CacheHint;
import dev.arbiter.tools.policy.protocol.Decision;
import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.List;
import java.util.Map;

/** {@code forward} and/or {@code rewrite}: a protocol {@code forward} decision. */
final class ForwardAction implements Action {

    private final String pool;
    private final String backend;
    private final Map<String, String> setHeaders;
    private final List<String> removeHeaders;
    private final Rewrite rewrite;

    ForwardAction(String pool, String backend, Map<String, String> setHeaders, List<String> removeHeaders, Rewrite rewrite) {
        this.pool = pool;
        this.backend = backend;
        this.setHeaders = setHeaders;
        this.removeHeaders = removeHeaders;
        this.rewrite = rewrite;
    }

    @Override
    public Decision decide(RequestSummary request, CacheHint cache) {
        String path = rewrite == null ? null : rewrite.path();
        String query = rewrite == null ? null : rewrite.queryFor(request);
        return new Decision.Forward(pool, backend, path, query, setHeaders, removeHeaders, cache);
    }
}
