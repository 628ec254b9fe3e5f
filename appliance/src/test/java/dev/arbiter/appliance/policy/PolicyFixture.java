package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import dev.arbiter.tools.policy.Options;
import dev.arbiter.tools.policy.PolicyServer;
import dev.arbiter.tools.policy.rules.RuleSet;
import java.net.InetSocketAddress;

/** Two backend pools, a reference policy server with given rules, and the appliance between them. */
final class PolicyFixture implements AutoCloseable {

    final DemoBackend main1;
    final DemoBackend main2;
    final DemoBackend other;
    final PolicyServer policy;
    RunningAppliance app;

    PolicyFixture(String rules, Options options) throws Exception {
        main1 = DemoBackend.start("main-1");
        main2 = DemoBackend.start("main-2");
        other = DemoBackend.start("other");
        policy = PolicyServer.start(RuleSet.parse(rules, "test-rules.yaml"), new InetSocketAddress("127.0.0.1", 0), options);
    }

    static PolicyFixture start(String rules, String servicePolicy) throws Exception {
        return start(rules, servicePolicy, "", Options.defaults());
    }

    /**
     * @param servicePolicy the virtual service's policy block (group "g" is defined here)
     * @param groupExtra    extra keys for the policy group
     */
    static PolicyFixture start(String rules, String servicePolicy, String groupExtra, Options options) throws Exception {
        PolicyFixture f = new PolicyFixture(rules, options);
        f.app = RunningAppliance.start(f.config(servicePolicy, groupExtra, "native"));
        return f;
    }

    TestConfig config(String servicePolicy, String groupExtra, String mode) {
        return TestConfig.create()
                .pool("main", "algorithm: round-robin", main1.address(), main2.address())
                .pool("other-pool", "", other.address())
                .service("svc", "[\"*\"]", "/", "main", servicePolicy)
                .policy("max-batch: 64\ngroups:\n  - name: g\n    mode: " + mode + "\n    servers: [" + policy.address().getAddress().getHostAddress()
                        + ":" + policy.port() + "]\n    health-check: {interval: 100ms, timeout: 500ms}\n"
                        + indent(groupExtra));
    }

    private static String indent(String yaml) {
        StringBuilder sb = new StringBuilder();
        for (String line : yaml.split("\n")) {
            if (!line.isEmpty()) {
                sb.append("    ").append(line).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws Exception {
        if (app != null) {
            app.close();
        }
        try {
            policy.close();
        } catch (java.util.concurrent.RejectedExecutionException alreadyClosed) {
            // a test stopped the policy server itself
        }
        main1.close();
        main2.close();
        other.close();
    }
}
