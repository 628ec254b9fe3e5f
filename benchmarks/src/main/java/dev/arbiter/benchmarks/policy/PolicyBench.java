package dev.arbiter.benchmarks.policy;

import dev.arbiter.appliance.config.ApplianceConfig;
import dev.arbiter.appliance.config.ConfigLoader;
import dev.arbiter.appliance.config.Transport;
import dev.arbiter.appliance.listener.TransportSupport;
import dev.arbiter.appliance.policy.PolicyStage;
import dev.arbiter.appliance.policy.ServicePolicy;
import dev.arbiter.appliance.route.RoutingTable;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Shared set-up for the policy-path benchmarks: a one-service config whose policy lists two
 * headers, bound through the real {@link PolicyStage#attach(RoutingTable)}. The group points at
 * a closed loopback port; nothing in these benchmarks calls it.
 */
final class PolicyBench {

    static final String YAML = """
            runtime: {event-loop-cores: [0], pin-threads: false}
            listeners: [{name: web, port: 0}]
            virtual-services:
              - name: shop
                pool: p
                policy: {group: g, headers: [user-agent, x-tenant]}
            pools:
              - name: p
                backends: [127.0.0.1:9]
            policy:
              hand-off: ring          # the benchmarks drive the ring directly
              cache-entries: 65536
              groups:
                - name: g
                  servers: [127.0.0.1:9]
                  health-check: {interval: 1h}
            """;

    final RoutingTable table;
    final PolicyStage stage;
    final ServicePolicy policy;
    final HttpHeaders headers = new DefaultHttpHeaders()
            .add("host", "shop.example.com")
            .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0")
            .add("accept", "text/html")
            .add("x-tenant", "blue")
            .add("cookie", "session=abc123");

    PolicyBench() {
        try {
            ApplianceConfig config = ConfigLoader.parse(YAML, "bench.yaml");
            table = RoutingTable.build(config, null, 1);
            stage = new PolicyStage(config.policy(), TransportSupport.resolve(Transport.NIO), 1);
            stage.attach(table);
            policy = table.services().get(0).policy();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void close() {
        stage.close();
    }
}
