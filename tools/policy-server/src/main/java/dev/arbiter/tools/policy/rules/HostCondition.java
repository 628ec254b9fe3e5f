package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.List;
import java.util.Locale;

/**
 * Host equals one of the patterns; {@code *.example.com} matches any name ending in
 * {@code .example.com} (at least one more label), not {@code example.com} itself.
 */
final class HostCondition implements Condition {

    private final List<String> patterns;

    HostCondition(List<String> patterns) {
        this.patterns = patterns.stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
    }

    @Override
    public boolean test(RequestSummary request) {
        String host = withoutPort(request.host().toLowerCase(Locale.ROOT));
        for (String pattern : patterns) {
            if (pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : host.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    // Compatibility-mode callers may send X-Forwarded-Host with a port; the protocol's host has none.
    private static String withoutPort(String host) {
        int colon = host.lastIndexOf(':');
        if (colon < 0 || host.endsWith("]") || host.indexOf(':') != colon) {
            return host;
        }
        return host.substring(0, colon);
    }
}
