package dev.arbiter.tools.policy;

/**
 * Calls received so far; what {@code GET /v1/stats} returns.
 *
 * @param batches        native {@code POST /v1/decisions} calls
 * @param requests       request summaries in those calls
 * @param compatRequests compatibility-mode calls
 * @param healthChecks   {@code GET /v1/health} calls
 */
public record Stats(long batches, long requests, long compatRequests, long healthChecks) {
}
