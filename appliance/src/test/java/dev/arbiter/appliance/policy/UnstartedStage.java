package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.config.ApplianceConfig;
import dev.arbiter.appliance.config.ConfigLoader;
import dev.arbiter.appliance.config.Transport;
import dev.arbiter.appliance.listener.TransportSupport;
import dev.arbiter.appliance.route.RoutingTable;

/**
 * One virtual service "shop" with a native policy group whose server is never called, bound
 * through a policy stage that is never started: for tests of the policy path's parts.
 */
final class UnstartedStage implements AutoCloseable {

    static final String YAML = """
            runtime: {event-loop-cores: [0], pin-threads: false}
            listeners: [{name: web, port: 0}]
            virtual-services:
              - {name: shop, pool: p, policy: {group: g}}
            pools:
              - {name: p, backends: [127.0.0.1:9]}
            policy:
              hand-off: ring
              groups:
                - {name: g, servers: [127.0.0.1:9], health-check: {interval: 1h}}
            """;

    final RoutingTable table;
    final PolicyStage stage;
    final ServicePolicy policy;

    UnstartedStage() throws Exception {
        ApplianceConfig config = ConfigLoader.parse(YAML, "t.yaml");
        table = RoutingTable.build(config, null, 1);
        stage = new PolicyStage(config.policy(), TransportSupport.resolve(Transport.NIO), 1);
        stage.attach(table);
        policy = table.services().get(0).policy();
    }

    /** A new fixture for a test's field, closed after each test: {@code @AutoClose final UnstartedStage fixture = UnstartedStage.create();} */
    static UnstartedStage create() {
        try {
            return new UnstartedStage();
        } catch (Exception e) {
            throw new IllegalStateException("the fixture's config no longer loads", e);
        }
    }

    @Override
    public void close() {
        stage.close();
    }
}
