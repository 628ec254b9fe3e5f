package dev.arbiter.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.config.ApplianceConfig.HandOff;
import dev.arbiter.appliance.config.ApplianceConfig.OnFailure;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyMode;
import dev.arbiter.appliance.config.ApplianceConfig.WaitStrategyKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyConfigTest {

    private static final String BASE = """
            listeners:
              - name: web
            virtual-services:
              - name: shop
                pool: p
                policy:
                  group: main
            pools:
              - name: p
                backends: [127.0.0.1:9001]
            policy:
              groups:
                - name: main
                  servers: [127.0.0.1:9100]
            """;

    private static List<String> errors(String yaml) {
        try {
            ConfigLoader.parse(yaml, "p.yaml");
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected errors");
    }

    @Test
    void shouldApplyDocumentedDefaults() throws Exception {
        ApplianceConfig c = ConfigLoader.parse(BASE, "p.yaml");
        PolicyConfig p = c.policy();
        assertThat(p.handOff()).isEqualTo(HandOff.LOOP);
        assertThat(p.ringSize()).isEqualTo(4096);
        assertThat(p.waitStrategy()).isEqualTo(WaitStrategyKind.BLOCKING);
        assertThat(p.maxBatch()).isEqualTo(64);
        assertThat(p.batcherCpu()).isEqualTo(-1);
        assertThat(p.maxResponseBytes()).isEqualTo(1024 * 1024);
        assertThat(p.cacheEntriesPerLoop()).isEqualTo(65_536);
        assertThat(p.fallbackHeader()).isEqualTo("x-policy-fallback");
        assertThat(p.groups().get(0).mode()).isEqualTo(PolicyMode.NATIVE);
        assertThat(p.groups().get(0).connectionsPerServer()).isEqualTo(2);
        assertThat(p.groups().get(0).batchesInFlightPerConnection()).isEqualTo(1);
        assertThat(p.groups().get(0).compatPath()).isEqualTo("/auth");
        assertThat(p.groups().get(0).healthPath()).isEqualTo("/v1/health");
        var sp = c.virtualServices().get(0).policy();
        assertThat(sp.deadlineMillis()).isEqualTo(50);
        assertThat(sp.onFailure()).isEqualTo(OnFailure.FALLBACK);
        assertThat(sp.shadow()).isFalse();
        assertThat(sp.headers()).isEmpty();
    }

    @Test
    void shouldReportPolicyErrorsWithLineAndAllowedValues() {
        String yaml = BASE.replace("      group: main\n", """
                      group: mian
                      mode: watch
                      deadline: 2m
                      on-failure: ignore
                      headers: [Connection, X-User]
                """).replace("  groups:\n", """
                  hand-off: thread
                  ring-size: 1000
                  wait-strategy: spin
                  fallback-header: "bad header"
                  groups:
                """).replace("      servers: [127.0.0.1:9100]\n", "      servers: []\n      mode: grpc\n");
        assertThat(errors(yaml)).containsExactly(
                "p.yaml:7: virtual-services[0].policy.group: unknown policy group 'mian' (one of main)",
                "p.yaml:8: virtual-services[0].policy.mode: unknown value 'watch' (one of enforce, shadow)",
                "p.yaml:9: virtual-services[0].policy.deadline: 2m is out of range (a duration from 1ms to 1m)",
                "p.yaml:10: virtual-services[0].policy.on-failure: unknown value 'ignore' (one of fallback, reject)",
                "p.yaml:11: virtual-services[0].policy.headers: 'Connection' is hop-by-hop and never reaches the policy server "
                        + "(end-to-end header names)",
                "p.yaml:16: policy.hand-off: unknown value 'thread' (one of loop, ring)",
                "p.yaml:17: policy.ring-size: 1000 is not a power of two (a power of two from 64 to 4194304)",
                "p.yaml:18: policy.wait-strategy: unknown value 'spin' (one of blocking, sleeping, yielding, busy-spin)",
                "p.yaml:19: policy.fallback-header: 'bad header' is not a header name (a header name, or off)",
                "p.yaml:21: policy.groups[0].servers: at least one is required (a list of HOST:PORT or {address: HOST:PORT})",
                "p.yaml:23: policy.groups[0].mode: unknown value 'grpc' (one of native, compat)");
    }

    @Test
    void shouldReadTheRingHandOff() throws Exception {
        ApplianceConfig c = ConfigLoader.parse(BASE.replace("  groups:\n", "  hand-off: ring\n  groups:\n"), "p.yaml");
        assertThat(c.policy().handOff()).isEqualTo(HandOff.RING);
    }

    @Test
    void shouldTurnTheFallbackHeaderOff() throws Exception {
        ApplianceConfig c = ConfigLoader.parse(BASE.replace("  groups:\n", "  fallback-header: off\n  groups:\n"), "p.yaml");
        assertThat(c.policy().fallbackHeader()).isNull();
    }
}
