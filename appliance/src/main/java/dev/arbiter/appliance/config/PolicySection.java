package dev.arbiter.appliance.config;

import dev.arbiter.appliance.config.ApplianceConfig.BackendConfig;
import dev.arbiter.appliance.config.ApplianceConfig.CompatHeaders;
import dev.arbiter.appliance.config.ApplianceConfig.HandOff;
import dev.arbiter.appliance.config.ApplianceConfig.OnFailure;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyGroupConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyMode;
import dev.arbiter.appliance.config.ApplianceConfig.ServicePolicyConfig;
import dev.arbiter.appliance.config.ApplianceConfig.WaitStrategyKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** Reads the {@code policy:} section and the {@code policy:} block of each virtual service. */
final class PolicySection {

    private static final long DAY_MILLIS = 86_400_000L;
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate");

    private PolicySection() {
    }

    static PolicyConfig read(Node n, int loops) {
        HandOff handOff = n.enumValue("hand-off", HandOff.LOOP, HandOff.class);
        int ring = (int) n.integer("ring-size", 4096, 64, 1 << 22);
        if (Integer.bitCount(ring) != 1) {
            n.get("ring-size").fail(ring + " is not a power of two", "a power of two from 64 to 4194304");
        }
        WaitStrategyKind wait = n.enumValue("wait-strategy", WaitStrategyKind.BLOCKING, WaitStrategyKind.class);
        int maxBatch = (int) n.integer("max-batch", 64, 1, 4096);
        int cpu = -1;
        Node cpuNode = n.get("batcher-cpu");
        if (cpuNode != null && !"none".equals(cpuNode.text())) {
            cpu = (int) n.integer("batcher-cpu", -1, 0, 1023);
        }
        long maxResponse = n.bytes("max-response-size", ConfigLoader.MIB, 1024, 64 * ConfigLoader.MIB);
        int cache = (int) n.integer("cache-entries", 65_536, 0, 16_777_216);
        String fallbackHeader = n.string("fallback-header", "x-policy-fallback");
        if (fallbackHeader.equals("off")) {
            fallbackHeader = null;
        } else if (!fallbackHeader.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            n.get("fallback-header").fail("'" + fallbackHeader + "' is not a header name", "a header name, or off");
        }
        List<PolicyGroupConfig> groups = groups(n);
        n.rejectUnknownKeys();
        return new PolicyConfig(handOff, ring, wait, maxBatch, cpu, maxResponse, cache,
                fallbackHeader == null ? null : fallbackHeader.toLowerCase(Locale.ROOT), groups);
    }

    private static List<PolicyGroupConfig> groups(Node policy) {
        List<PolicyGroupConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Node g : policy.list("groups")) {
            String name = g.requiredString("name", "a unique policy group name");
            if (name != null && !names.add(name)) {
                g.get("name").fail("policy group name '" + name + "' is used twice", "unique names");
            }
            PolicyMode mode = g.enumValue("mode", PolicyMode.NATIVE, PolicyMode.class);
            List<BackendConfig> servers = ConfigLoader.Reader.backends(g, "servers", true);
            // Compatibility mode makes one call per request and most auth services do not pipeline,
            // so it needs more connections than batched native mode to carry the same load.
            int conns = (int) g.integer("connections-per-server", mode == PolicyMode.COMPAT ? 16 : 2, 1, 1024);
            int inFlight = (int) g.integer("batches-in-flight-per-connection", 1, 1, 1024);
            String compatPath = g.string("compat-path", "/auth");
            if (!compatPath.startsWith("/")) {
                g.get("compat-path").fail("'" + compatPath + "' does not start with /", "an absolute path such as /auth");
            }
            Node hc = g.section("health-check");
            String healthPath = hc.string("path", "/v1/health");
            long interval = hc.durationMillis("interval", 1000, 10, 3_600_000);
            long timeout = hc.durationMillis("timeout", 500, 1, 600_000);
            hc.rejectUnknownKeys();
            Node cb = g.section("circuit-breaker");
            int failures = (int) cb.integer("failures", 5, 1, 10_000);
            long open = cb.durationMillis("open-time", 2000, 1, DAY_MILLIS);
            cb.rejectUnknownKeys();
            CompatHeaders headers = compatHeaders(g.section("compat-response-headers"));
            g.rejectUnknownKeys();
            out.add(new PolicyGroupConfig(name, mode, servers, conns, inFlight, compatPath, healthPath, interval,
                    timeout, failures, open, headers));
        }
        return out;
    }

    private static CompatHeaders compatHeaders(Node n) {
        CompatHeaders d = CompatHeaders.DEFAULT;
        CompatHeaders h = new CompatHeaders(lower(n.string("pool", d.pool())), lower(n.string("backend", d.backend())),
                lower(n.string("rewrite-path", d.rewritePath())), lower(n.string("rewrite-query", d.rewriteQuery())),
                lower(n.string("set-header", d.setHeader())), lower(n.string("remove-header", d.removeHeader())),
                lower(n.string("ttl-ms", d.ttlMs())), lower(n.string("scope", d.scope())));
        n.rejectUnknownKeys();
        return h;
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    static ServicePolicyConfig service(Node n, PolicyConfig policy) {
        Set<String> groupNames = new TreeSet<>();
        policy.groups().forEach(g -> {
            if (g.name() != null) {
                groupNames.add(g.name());
            }
        });
        String group = n.requiredString("group", "the name of a policy group");
        if (group != null && !groupNames.contains(group)) {
            n.get("group").fail("unknown policy group '" + group + "'",
                    groupNames.isEmpty() ? "define policy.groups first" : "one of " + String.join(", ", groupNames));
        }
        String mode = n.string("mode", "enforce");
        if (!mode.equals("enforce") && !mode.equals("shadow")) {
            n.get("mode").fail("unknown value '" + mode + "'", "one of enforce, shadow");
        }
        long deadline = n.durationMillis("deadline", 50, 1, 60_000);
        OnFailure onFailure = n.enumValue("on-failure", OnFailure.FALLBACK, OnFailure.class);
        List<String> headers = new ArrayList<>();
        for (String h : n.strings("headers")) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower)) {
                n.get("headers").fail("'" + h + "' is hop-by-hop and never reaches the policy server",
                        "end-to-end header names");
            } else if (!headers.contains(lower)) {
                headers.add(lower);
            }
        }
        if (headers.size() > 32) {
            n.get("headers").fail(headers.size() + " headers listed", "at most 32");
        }
        List<BackendConfig> allowed = ConfigLoader.Reader.backends(n, "allowed-backends", false);
        n.rejectUnknownKeys();
        return new ServicePolicyConfig(group, mode.equals("shadow"), deadline, onFailure, List.copyOf(headers),
                allowed);
    }
}
