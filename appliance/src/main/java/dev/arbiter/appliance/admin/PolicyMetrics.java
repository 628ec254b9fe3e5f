package dev.arbiter.appliance.admin;

import static dev.arbiter.appliance.admin.MetricsWriter.header;
import static dev.arbiter.appliance.admin.MetricsWriter.sample;

import dev.arbiter.appliance.policy.Decision;
import dev.arbiter.appliance.policy.DecisionCache;
import dev.arbiter.appliance.policy.FailureReason;
import dev.arbiter.appliance.policy.LoopPolicy;
import dev.arbiter.appliance.policy.PolicyGroup;
import dev.arbiter.appliance.policy.PolicyServiceStats;
import dev.arbiter.appliance.policy.PolicyStage;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** The policy path's series in /metrics. */
final class PolicyMetrics {

    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

    private PolicyMetrics() {
    }

    static void render(StringBuilder sb, PolicyStage stage, List<LoopPolicy> loops) {
        groups(sb, stage.groups());
        services(sb, stage.serviceStats());
        cache(sb, loops);
        if (!stage.onLoops()) {
            header(sb, "arbiter_policy_ring_free_slots", "gauge", "Free slots in the summary hand-off ring.");
            sample(sb, "arbiter_policy_ring_free_slots", null, null, null, null, stage.ringRemaining());
        }
    }

    private static void groups(StringBuilder sb, List<PolicyGroup> groups) {
        header(sb, "arbiter_policy_calls_total", "counter", "HTTP calls made to policy servers (a batch is one call).");
        for (PolicyGroup g : groups) {
            sample(sb, "arbiter_policy_calls_total", "group", g.name(), null, null, g.stats().calls.sum());
        }
        header(sb, "arbiter_policy_summaries_total", "counter", "Request summaries sent in those calls.");
        for (PolicyGroup g : groups) {
            sample(sb, "arbiter_policy_summaries_total", "group", g.name(), null, null, g.stats().summaries.sum());
        }
        header(sb, "arbiter_policy_call_failures_total", "counter", "Failed policy calls, by reason.");
        for (PolicyGroup g : groups) {
            for (FailureReason r : FailureReason.values()) {
                sample(sb, "arbiter_policy_call_failures_total", "group", g.name(), "reason", r.token(),
                        g.stats().callFailures[r.ordinal()].sum());
            }
        }
        header(sb, "arbiter_policy_connects_total", "counter",
                "Call connections opened to policy servers: the warm-up's, and each that replaces a closed or failed one.");
        for (PolicyGroup g : groups) {
            sample(sb, "arbiter_policy_connects_total", "group", g.name(), null, null, g.stats().connects.sum());
        }
        header(sb, "arbiter_policy_batch_size", "summary", "Summaries per policy call.");
        for (PolicyGroup g : groups) {
            quantiles(sb, "arbiter_policy_batch_size", g.name(), g.stats().batchSizes(), 1);
        }
        header(sb, "arbiter_policy_decision_latency_seconds", "summary",
                "From the summary's publish to its decision arriving from the policy server.");
        for (PolicyGroup g : groups) {
            quantiles(sb, "arbiter_policy_decision_latency_seconds", g.name(), g.stats().latencyMicros(), 1e6);
        }
        header(sb, "arbiter_policy_server_up", "gauge", "1 while the policy server passes its health checks.");
        header(sb, "arbiter_policy_breaker_state", "gauge", "Circuit breaker: 0 closed, 1 open, 2 half-open.");
        for (PolicyGroup g : groups) {
            for (String[] s : g.serverStates()) {
                sample(sb, "arbiter_policy_server_up", "group", g.name(), "server", s[0], Long.parseLong(s[1]));
                sample(sb, "arbiter_policy_breaker_state", "group", g.name(), "server", s[0], Long.parseLong(s[2]));
            }
        }
    }

    private static void quantiles(StringBuilder sb, String name, String group, Histogram h, double divisor) {
        String g = MetricsWriter.escape(group);
        for (double q : QUANTILES) {
            sb.append(name).append("{group=\"").append(g).append("\",quantile=\"").append(q).append("\"} ")
                    .append(h.getTotalCount() == 0 ? 0.0 : h.getValueAtPercentile(q * 100) / divisor).append('\n');
        }
        sb.append(name).append("_sum{group=\"").append(g).append("\"} ")
                .append(h.getTotalCount() == 0 ? 0.0 : h.getMean() * h.getTotalCount() / divisor).append('\n');
        sb.append(name).append("_count{group=\"").append(g).append("\"} ").append(h.getTotalCount()).append('\n');
    }

    private static void services(StringBuilder sb, List<PolicyServiceStats> services) {
        header(sb, "arbiter_policy_requests_total", "counter", "Requests whose summary went to the policy path.");
        for (PolicyServiceStats s : services) {
            sample(sb, "arbiter_policy_requests_total", "service", s.service(), null, null, s.published());
        }
        header(sb, "arbiter_policy_decisions_total", "counter", "Decisions received from policy servers, by action.");
        for (PolicyServiceStats s : services) {
            for (int a = 0; a < 3; a++) {
                sample(sb, "arbiter_policy_decisions_total", "service", s.service(), "action",
                        Decision.Action.values()[a].name().toLowerCase(Locale.ROOT), s.received[a].sum());
            }
        }
        header(sb, "arbiter_policy_applied_total", "counter", "Decisions carried out (cache hits included), by action.");
        for (PolicyServiceStats s : services) {
            for (int a = 0; a < 3; a++) {
                Decision.Action action = Decision.Action.values()[a];
                sample(sb, "arbiter_policy_applied_total", "service", s.service(), "action",
                        action.name().toLowerCase(Locale.ROOT), s.applied(action));
            }
        }
        header(sb, "arbiter_policy_failures_total", "counter", "Requests the policy path failed, by reason.");
        for (PolicyServiceStats s : services) {
            for (FailureReason r : FailureReason.values()) {
                sample(sb, "arbiter_policy_failures_total", "service", s.service(), "reason", r.token(), s.failures(r));
            }
        }
        header(sb, "arbiter_policy_fallbacks_total", "counter", "Requests routed by the local algorithm after a policy failure.");
        for (PolicyServiceStats s : services) {
            sample(sb, "arbiter_policy_fallbacks_total", "service", s.service(), null, null, s.fallbacks());
        }
        header(sb, "arbiter_policy_rejects_total", "counter", "Requests answered 503 after a policy failure (on-failure: reject).");
        for (PolicyServiceStats s : services) {
            sample(sb, "arbiter_policy_rejects_total", "service", s.service(), null, null, s.rejects());
        }
        header(sb, "arbiter_policy_backend_down_total", "counter", "Decisions naming a backend that was down; its pool decided.");
        for (PolicyServiceStats s : services) {
            sample(sb, "arbiter_policy_backend_down_total", "service", s.service(), null, null, s.backendDown());
        }
        header(sb, "arbiter_policy_shadow_total", "counter", "Shadow mode: decisions that agreed or disagreed with the local algorithm.");
        for (PolicyServiceStats s : services) {
            sample(sb, "arbiter_policy_shadow_total", "service", s.service(), "result", "agree", s.shadowAgree.sum());
            sample(sb, "arbiter_policy_shadow_total", "service", s.service(), "result", "disagree", s.shadowDisagree.sum());
        }
    }

    private static void cache(StringBuilder sb, List<LoopPolicy> loops) {
        long hits = 0;
        long misses = 0;
        long expiries = 0;
        long inserts = 0;
        long entries = 0;
        for (LoopPolicy l : loops) {
            DecisionCache c = l.cache();
            hits += c.hits;
            misses += c.misses;
            expiries += c.expiries;
            inserts += c.inserts;
            entries += c.size();
        }
        header(sb, "arbiter_policy_cache_hits_total", "counter", "Decision cache lookups that found a live decision.");
        sample(sb, "arbiter_policy_cache_hits_total", null, null, null, null, hits);
        header(sb, "arbiter_policy_cache_misses_total", "counter", "Decision cache lookups that found nothing.");
        sample(sb, "arbiter_policy_cache_misses_total", null, null, null, null, misses);
        header(sb, "arbiter_policy_cache_expiries_total", "counter", "Cached decisions found past their TTL.");
        sample(sb, "arbiter_policy_cache_expiries_total", null, null, null, null, expiries);
        header(sb, "arbiter_policy_cache_inserts_total", "counter", "Decisions filed in the cache.");
        sample(sb, "arbiter_policy_cache_inserts_total", null, null, null, null, inserts);
        header(sb, "arbiter_policy_cache_entries", "gauge", "Decisions in the cache (all loops).");
        sample(sb, "arbiter_policy_cache_entries", null, null, null, null, entries);
    }
}
