package dev.arbiter.appliance.policy;

import java.util.List;

/**
 * One decision for one request, as read from a policy server (or made by the appliance when the
 * policy path failed). Immutable: a cached decision is applied to many requests.
 *
 * @param action        what to do
 * @param failure       for {@link Action#FAILED}: the reason token of protocol section 5
 * @param pool          forward: pool name, or null for the service's pool
 * @param backend       forward: {@code host:port}, or null
 * @param rewritePath   forward: new path part, or null
 * @param rewriteQuery  forward: new query ({@code ""} removes it), or null
 * @param setHeaders    forward: name/value pairs, names lower case (flattened: n0, v0, n1, v1 ...)
 * @param removeHeaders forward: names, lower case
 * @param status        respond: status code
 * @param respondHeaders respond: name/value pairs, flattened
 * @param body          respond: body bytes (UTF-8)
 * @param ttlMillis     how long it may be reused; 0 = not cached
 * @param scope         the summary fields it depends on (see {@link Scope})
 */
public record Decision(Action action, String failure, String pool, String backend, String rewritePath,
                       String rewriteQuery, List<String> setHeaders, List<String> removeHeaders, int status,
                       List<String> respondHeaders, byte[] body, long ttlMillis, Scope scope) {

    /** The three actions of protocol v1, and the appliance's own verdict that the policy failed. */
    public enum Action { FORWARD, RESPOND, DEFAULT, FAILED }

    public static final Decision DEFAULT = new Decision(Action.DEFAULT, null, null, null, null, null, List.of(),
            List.of(), 0, List.of(), null, 0, null);

    private static final java.util.Map<String, Decision> FAILURES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The (shared) failure decision for {@code reason}. */
    public static Decision failed(String reason) {
        return FAILURES.computeIfAbsent(reason, r -> new Decision(Action.FAILED, r, null, null, null, null,
                List.of(), List.of(), 0, List.of(), null, 0, null));
    }

    public boolean isFailure() {
        return action == Action.FAILED;
    }

    public boolean cacheable() {
        return ttlMillis > 0 && action != Action.FAILED;
    }
}
