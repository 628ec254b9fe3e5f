package dev.arbiter.tools.policy.protocol;

import java.util.List;

/**
 * The {@code ttl_ms} and {@code scope} a decision carries (protocol, section 3).
 *
 * @param ttlMs 0 means "do not cache"
 * @param scope the summary fields the decision depends on; null means "not given"
 */
public record CacheHint(long ttlMs, List<String> scope) {

    public static final long MAX_TTL_MS = 86_400_000L;
    public static final CacheHint NONE = new CacheHint(0, null);

    public CacheHint {
        if (ttlMs < 0 || ttlMs > MAX_TTL_MS) {
            throw new IllegalArgumentException("ttlMs=" + ttlMs + " outside 0.." + MAX_TTL_MS);
        }
        scope = scope == null ? null : List.copyOf(scope);
    }

    public boolean cacheable() {
        return ttlMs > 0;
    }

    /** True when {@code entry} is a scope entry the protocol defines. */
    public static boolean isValidScopeEntry(String entry) {
        switch (entry) {
            case "method":
            case "scheme":
            case "host":
            case "path":
            case "query":
            case "client_address":
                return true;
            default:
                return entry.startsWith("header:") && entry.length() > "header:".length();
        }
    }
}
