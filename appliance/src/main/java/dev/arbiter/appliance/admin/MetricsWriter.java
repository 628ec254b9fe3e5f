package dev.arbiter.appliance.admin;

import dev.arbiter.appliance.Appliance;
import dev.arbiter.appliance.exchange.ApplianceState;
import dev.arbiter.appliance.http.RequestRejection;
import dev.arbiter.appliance.route.Backend;
import dev.arbiter.appliance.route.Pool;
import dev.arbiter.appliance.route.RoutingTable;
import dev.arbiter.appliance.route.VirtualService;
import dev.arbiter.appliance.telemetry.ServiceStats;
import org.HdrHistogram.Histogram;

/**
 * Renders the appliance's counters in the Prometheus text exposition format (version 0.0.4).
 * Latency is a summary: quantiles of everything recorded since start, from HdrHistogram. The
 * process's and the JVM's series ({@link JvmMetrics}) come last.
 */
final class MetricsWriter {

    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

    private MetricsWriter() {
    }

    static String render(Appliance appliance, JvmMetrics jvm, long nowMillis) {
        StringBuilder sb = new StringBuilder(8192);
        ApplianceState state = appliance.state();
        RoutingTable table = state.routing();
        services(sb, table);
        backends(sb, table, nowMillis);
        appliance(sb, state);
        PolicyMetrics.render(sb, appliance.policy(), appliance.loopPolicies());
        long[] loopThreads = new long[appliance.loopCount()];
        for (int i = 0; i < loopThreads.length; i++) {
            loopThreads[i] = appliance.loopThreadId(i);
        }
        jvm.render(sb, loopThreads);
        return sb.toString();
    }

    private static void services(StringBuilder sb, RoutingTable table) {
        header(sb, "arbiter_requests_total", "counter", "Requests received, by virtual service.");
        for (VirtualService vs : table.services()) {
            sample(sb, "arbiter_requests_total", "service", vs.name(), null, null, vs.stats().requests());
        }
        header(sb, "arbiter_responses_total", "counter", "Responses sent, by virtual service and status class.");
        for (VirtualService vs : table.services()) {
            for (int cls = 1; cls <= 5; cls++) {
                sample(sb, "arbiter_responses_total", "service", vs.name(), "class", cls + "xx",
                        vs.stats().responses(cls));
            }
        }
        header(sb, "arbiter_request_duration_seconds", "summary",
                "Time from complete request header to complete response, by virtual service.");
        for (VirtualService vs : table.services()) {
            ServiceStats stats = vs.stats();
            Histogram h = stats.latencyMicros();
            for (double q : QUANTILES) {
                sb.append("arbiter_request_duration_seconds{service=\"").append(escape(vs.name()))
                        .append("\",quantile=\"").append(q).append("\"} ")
                        .append(h.getTotalCount() == 0 ? 0.0 : h.getValueAtPercentile(q * 100) / 1e6).append('\n');
            }
            sb.append("arbiter_request_duration_seconds_sum{service=\"").append(escape(vs.name())).append("\"} ")
                    .append(h.getTotalCount() == 0 ? 0.0 : h.getMean() * h.getTotalCount() / 1e6).append('\n');
            sb.append("arbiter_request_duration_seconds_count{service=\"").append(escape(vs.name())).append("\"} ")
                    .append(h.getTotalCount()).append('\n');
        }
    }

    private static void backends(StringBuilder sb, RoutingTable table, long nowMillis) {
        header(sb, "arbiter_backend_up", "gauge", "1 when the backend takes traffic (checks pass, not ejected).");
        for (Pool p : table.pools()) {
            for (Backend b : p.backends()) {
                sample(sb, "arbiter_backend_up", "pool", p.name(), "backend", b.address(), b.available(nowMillis) ? 1 : 0);
            }
        }
        header(sb, "arbiter_backend_connections", "gauge", "Open connections to the backend, all loops.");
        for (Pool p : table.pools()) {
            for (Backend b : p.backends()) {
                sample(sb, "arbiter_backend_connections", "pool", p.name(), "backend", b.address(), b.connections());
            }
        }
        header(sb, "arbiter_backend_outstanding_requests", "gauge", "Requests sent to the backend and not yet answered.");
        for (Pool p : table.pools()) {
            for (Backend b : p.backends()) {
                long sum = 0;
                for (int i = 0; i < b.loopCount(); i++) {
                    sum += b.onLoop(i).outstanding;
                }
                sample(sb, "arbiter_backend_outstanding_requests", "pool", p.name(), "backend", b.address(), sum);
            }
        }
        header(sb, "arbiter_backend_requests_total", "counter", "Requests sent to the backend.");
        for (Pool p : table.pools()) {
            for (Backend b : p.backends()) {
                long sum = 0;
                for (int i = 0; i < b.loopCount(); i++) {
                    sum += b.onLoop(i).requests;
                }
                sample(sb, "arbiter_backend_requests_total", "pool", p.name(), "backend", b.address(), sum);
            }
        }
        header(sb, "arbiter_backend_failures_total", "counter", "Connect failures, resets, timeouts, 5xx, and responses cut or stalled mid-body, from the backend.");
        for (Pool p : table.pools()) {
            for (Backend b : p.backends()) {
                long sum = 0;
                for (int i = 0; i < b.loopCount(); i++) {
                    sum += b.onLoop(i).failures;
                }
                sample(sb, "arbiter_backend_failures_total", "pool", p.name(), "backend", b.address(), sum);
            }
        }
    }

    private static void appliance(StringBuilder sb, ApplianceState state) {
        header(sb, "arbiter_client_connections", "gauge", "Open client connections.");
        sample(sb, "arbiter_client_connections", null, null, null, null, state.stats().clientConnections().get());
        header(sb, "arbiter_client_connections_accepted_total", "counter", "Client connections accepted.");
        sample(sb, "arbiter_client_connections_accepted_total", null, null, null, null, state.stats().acceptedTotal());
        header(sb, "arbiter_client_connections_refused_total", "counter",
                "Client connections answered 503 because max-client-connections was reached or the appliance drains.");
        sample(sb, "arbiter_client_connections_refused_total", null, null, null, null, state.stats().connectionsRefused());
        header(sb, "arbiter_rejected_requests_total", "counter", "Requests refused before routing, by reason.");
        for (RequestRejection r : RequestRejection.values()) {
            sample(sb, "arbiter_rejected_requests_total", "reason", r.label(), "status",
                    Integer.toString(r.status().code()), state.stats().rejected(r));
        }
        header(sb, "arbiter_unrouted_requests_total", "counter", "Requests no virtual service matched (404).");
        sample(sb, "arbiter_unrouted_requests_total", null, null, null, null, state.stats().noRoute());
    }

    static void header(StringBuilder sb, String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    static void sample(StringBuilder sb, String name, String k1, String v1, String k2, String v2, long value) {
        sb.append(name);
        if (k1 != null) {
            sb.append('{').append(k1).append("=\"").append(escape(v1)).append('"');
            if (k2 != null) {
                sb.append(',').append(k2).append("=\"").append(escape(v2)).append('"');
            }
            sb.append('}');
        }
        sb.append(' ').append(value).append('\n');
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
