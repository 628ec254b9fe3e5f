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

    /**
     * Decodes {@code json} as the answer to a call for {@code requestCount} requests of "shop",
     * ids 0, 1, ... (each summarised with {@code headers}): the decision each got, or null.
     */
    java.util.List<Decision> decide(String json, int requestCount, io.netty.handler.codec.http.HttpHeaders headers)
            throws NativeCodec.InvalidResponse {
        java.util.List<PendingRequest> requests = new java.util.ArrayList<>();
        for (int i = 0; i < requestCount; i++) {
            requests.add(PendingRequest.summarise(i, 0, policy, "GET", "shop.example.com", "/x",
                    new java.net.InetSocketAddress("127.0.0.1", 40000), 8080, headers, 0));
        }
        Decision[] out = new Decision[requestCount];
        io.netty.buffer.ByteBuf body = io.netty.buffer.Unpooled.copiedBuffer(json, java.nio.charset.StandardCharsets.UTF_8);
        try {
            NativeCodec.decode(body, new NativeCodec.Sink() {
                @Override
                public PendingRequest pending(long id) {
                    return id >= 0 && id < requestCount ? requests.get((int) id) : null;
                }

                @Override
                public void decided(PendingRequest request, Decision decision) {
                    out[requests.indexOf(request)] = decision;
                }
            });
        } finally {
            body.release();
        }
        return java.util.Arrays.asList(out);
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
