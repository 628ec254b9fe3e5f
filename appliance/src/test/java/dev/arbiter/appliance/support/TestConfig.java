package dev.arbiter.appliance.support;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds appliance YAML for tests: one listener on a free loopback port, admin on a free port,
 * one event loop (deterministic picks) unless a test asks for more.
 *
 * <p>{@code -Darbiter.test.transport=io-uring} (or {@code nio}) puts every test appliance whose
 * runtime names no transport on that transport instead of the default, so the whole suite can
 * be run on each.
 */
public final class TestConfig {

    private String runtime = "runtime:\n  event-loop-cores: [0]\n  pin-threads: false\n  timer-resolution: 5ms\n";
    private final List<String> pools = new ArrayList<>();
    private final List<String> services = new ArrayList<>();
    private String limits = "";
    private String admin = "admin:\n  address: 127.0.0.1\n  port: 0\n  drain-timeout: 10s\n";
    private String policy = "";
    private String listenerAddress = "127.0.0.1";

    public static TestConfig create() {
        return new TestConfig();
    }

    public TestConfig runtime(String yaml) {
        this.runtime = "runtime:\n" + indent(yaml);
        return this;
    }

    /** A pool: {@code extra} is YAML for the pool's other keys (algorithm, health-check, ...). */
    public TestConfig pool(String name, String extra, String... backends) {
        StringBuilder sb = new StringBuilder("  - name: " + name + "\n");
        sb.append(indent(indent(extra)));
        sb.append("    backends:\n");
        for (String b : backends) {
            if (b.contains("address:")) {
                sb.append("      - ").append(b.replace("\n", "\n        ")).append('\n');
            } else {
                sb.append("      - address: ").append(b).append('\n');
            }
        }
        pools.add(sb.toString());
        return this;
    }

    public TestConfig service(String name, String hosts, String prefix, String pool) {
        services.add("  - name: " + name + "\n    hosts: " + hosts + "\n    path-prefix: " + prefix
                + "\n    pool: " + pool + "\n");
        return this;
    }

    /** One catch-all service on {@code pool}. */
    public TestConfig service(String pool) {
        return service("svc", "[\"*\"]", "/", pool);
    }

    /** A virtual service with a {@code policy:} block (YAML of its keys). */
    public TestConfig service(String name, String hosts, String prefix, String pool, String policyYaml) {
        StringBuilder sb = new StringBuilder("  - name: " + name + "\n    hosts: " + hosts + "\n    path-prefix: " + prefix
                + "\n    pool: " + pool + "\n    policy:\n");
        for (String line : policyYaml.split("\n")) {
            sb.append("      ").append(line).append('\n');
        }
        services.add(sb.toString());
        return this;
    }

    /** The top-level {@code policy:} section (YAML of its keys). */
    public TestConfig policy(String yaml) {
        this.policy = "policy:\n" + indent(yaml);
        return this;
    }

    /** The listener's address (default 127.0.0.1), e.g. {@code "::1"}. */
    public TestConfig listener(String address) {
        this.listenerAddress = address;
        return this;
    }

    public TestConfig limits(String yaml) {
        this.limits = "limits:\n" + indent(yaml);
        return this;
    }

    public TestConfig admin(String yaml) {
        this.admin = "admin:\n" + indent(yaml);
        return this;
    }

    public String yaml() {
        StringBuilder sb = new StringBuilder(runtime);
        String forced = System.getProperty("arbiter.test.transport");
        if (forced != null && !runtime.contains("transport:")) {
            sb.append("  transport: ").append(forced).append('\n');
        }
        sb.append("listeners:\n  - name: web\n    address: \"").append(listenerAddress).append("\"\n    port: 0\n");
        sb.append("virtual-services:\n");
        services.forEach(sb::append);
        sb.append("pools:\n");
        pools.forEach(sb::append);
        sb.append(limits);
        sb.append(admin);
        sb.append(policy);
        return sb.toString();
    }

    private static String indent(String yaml) {
        if (yaml.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String line : yaml.split("\n")) {
            sb.append("  ").append(line).append('\n');
        }
        return sb.toString();
    }
}
