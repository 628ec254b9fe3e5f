package dev.arbiter.appliance.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.config.ConfigLoader;
import org.junit.jupiter.api.Test;

class RoutingTableTest {

    private static RoutingTable table(String services) throws Exception {
        String yaml = "listeners: [{name: web}]\npools:\n  - name: p\n    backends: [127.0.0.1:9001]\nvirtual-services:\n" + services;
        return RoutingTable.build(ConfigLoader.parse(yaml, "t.yaml"), null, 1);
    }

    private static String match(RoutingTable t, String host, String path) {
        VirtualService vs = t.match("web", host, path);
        return vs == null ? null : vs.name();
    }

    @Test
    void shouldPreferExactThenLongestSuffixThenAnyAndLongestPrefixWithin() throws Exception {
        RoutingTable t = table("""
                  - {name: any-root, hosts: ["*"], path-prefix: /, pool: p}
                  - {name: any-api, hosts: ["*"], path-prefix: /api, pool: p}
                  - {name: suffix, hosts: ["*.example.com"], path-prefix: /, pool: p}
                  - {name: deep-suffix, hosts: ["*.eu.example.com"], path-prefix: /, pool: p}
                  - {name: exact-api, hosts: [shop.example.com], path-prefix: /api/v2, pool: p}
                """);
        assertThat(match(t, "shop.example.com", "/api/v2/items")).isEqualTo("exact-api");
        assertThat(match(t, "SHOP.Example.COM:8443", "/api/v2/items")).isEqualTo("exact-api");
        assertThat(match(t, "shop.example.com", "/other")).as("exact host, no prefix: falls to suffix").isEqualTo("suffix");
        assertThat(match(t, "a.eu.example.com", "/")).isEqualTo("deep-suffix");
        assertThat(match(t, "a.us.example.com", "/")).isEqualTo("suffix");
        assertThat(match(t, "example.com", "/")).as("*.example.com needs a subdomain").isEqualTo("any-root");
        assertThat(match(t, "other.org", "/api/x")).isEqualTo("any-api");
        assertThat(match(t, "other.org", "/apix")).as("prefixes are plain string prefixes").isEqualTo("any-api");
        assertThat(match(t, null, "/x")).isEqualTo("any-root");
        assertThat(match(t, "[::1]:8080", "/x")).isEqualTo("any-root");
    }

    @Test
    void shouldAnswerNullWhenNothingMatches() throws Exception {
        RoutingTable t = table("  - {name: only, hosts: [only.example.com], path-prefix: /app, pool: p}\n");
        assertThat(match(t, "only.example.com", "/ap")).isNull();
        assertThat(match(t, "x.example.com", "/app")).isNull();
        assertThat(t.match("nosuchlistener", "only.example.com", "/app")).isNull();
    }

    @Test
    void shouldMatchAmongTenThousandServices() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            sb.append("  - {name: s").append(i).append(", hosts: [\"h").append(i).append(".example.com\", \"*.w")
                    .append(i).append(".example.com\"], path-prefix: /svc-").append(i).append("/, pool: p}\n");
        }
        RoutingTable t = table(sb.toString());
        assertThat(match(t, "h4242.example.com", "/svc-4242/x")).isEqualTo("s4242");
        assertThat(match(t, "a.w9999.example.com", "/svc-9999/")).isEqualTo("s9999");
        assertThat(match(t, "h4242.example.com", "/svc-4243/x")).isNull();
    }
}
