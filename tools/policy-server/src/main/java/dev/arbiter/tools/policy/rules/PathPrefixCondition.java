package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.List;

/** The path part (query excluded) starts with one of the prefixes. Plain string comparison. */
final class PathPrefixCondition implements Condition {

    private final List<String> prefixes;

    PathPrefixCondition(List<String> prefixes) {
        this.prefixes = List.copyOf(prefixes);
    }

    @Override
    public boolean test(RequestSummary request) {
        String path = request.pathPart();
        for (String prefix : prefixes) {
            if (path.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
