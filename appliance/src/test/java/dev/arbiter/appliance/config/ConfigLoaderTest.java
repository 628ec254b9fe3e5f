package dev.arbiter.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    private static final String VALID = """
            listeners:
              - name: web
                port: 8080
            virtual-services:
              - name: shop
                pool: shop-pool
            pools:
              - name: shop-pool
                backends:
                  - address: 127.0.0.1:9001
            """;

    private static List<String> errors(String yaml) {
        try {
            ConfigLoader.parse(yaml, "broken.yaml");
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected errors for:\n" + yaml);
    }

    @Test
    void shouldLoadMinimalConfigWithDocumentedDefaults() throws Exception {
        ApplianceConfig c = ConfigLoader.parse(VALID, "ok.yaml");
        assertThat(c.limits().maxRequestLineBytes()).isEqualTo(8192);
        assertThat(c.limits().maxHeaderBytes()).isEqualTo(16384);
        assertThat(c.limits().maxHeaderCount()).isEqualTo(100);
        assertThat(c.limits().headerTimeoutMillis()).isEqualTo(10_000);
        assertThat(c.limits().idleTimeoutMillis()).isEqualTo(60_000);
        assertThat(c.pools().get(0).connectTimeoutMillis()).isEqualTo(5000);
        assertThat(c.pools().get(0).responseHeaderTimeoutMillis()).isEqualTo(60_000);
        assertThat(c.pools().get(0).algorithm()).isEqualTo(Algorithm.ROUND_ROBIN);
        assertThat(c.runtime().transport()).isEqualTo(Transport.EPOLL);
        assertThat(c.runtime().recvRingBuffers()).isEqualTo(512);
        assertThat(c.runtime().recvBufferMaxBytes()).isEqualTo(65536);
        assertThat(c.runtime().idleSpinMicros()).isEqualTo(ConfigLoader.DEFAULT_IDLE_SPIN_MICROS);
        assertThat(c.admin().address()).isEqualTo("127.0.0.1");
        assertThat(c.virtualServices().get(0).listener()).isEqualTo("web");
    }

    @Test
    void shouldReportFileLineKeyAndAllowedValues() {
        assertThat(errors(VALID.replace("port: 8080", "port: 99999")))
                .containsExactly("broken.yaml:3: listeners[0].port: 99999 is out of range (an integer from 0 to 65535)");
    }

    @Test
    void shouldReportEveryErrorInOnePass() {
        String yaml = """
                runtime:
                  transport: dpdk
                  event-loop-cores: [0, 0]
                listeners:
                  - name: web
                    port: 80
                    colour: blue
                virtual-services:
                  - name: shop
                    pool: nowhere
                    path-prefix: shop
                pools:
                  - name: p
                    algorithm: random
                    backends:
                      - address: localhost
                      - address: 127.0.0.1:9001
                        weight: 0
                    health-check:
                      interval: soon
                limits:
                  header-timeout: -5s
                  max-header-size: 12 bananas
                """;
        assertThat(errors(yaml)).containsExactly(
                "broken.yaml:2: runtime.transport: unknown value 'dpdk' (one of epoll, io-uring, nio)",
                "broken.yaml:3: runtime.event-loop-cores[1]: CPU 0 is listed twice (each CPU once)",
                "broken.yaml:7: listeners[0].colour: unknown key (one of name, address, port)",
                "broken.yaml:10: virtual-services[0].pool: unknown pool 'nowhere' (one of p)",
                "broken.yaml:11: virtual-services[0].path-prefix: 'shop' does not start with / (a path such as / or /api/)",
                "broken.yaml:14: pools[0].algorithm: unknown value 'random' "
                        + "(one of round-robin, weighted-round-robin, least-outstanding, consistent-hash)",
                "broken.yaml:16: pools[0].backends[0].address: 'localhost' is not HOST:PORT "
                        + "(e.g. 127.0.0.1:9001 or [::1]:9001, port 1 to 65535)",
                "broken.yaml:18: pools[0].backends[1].weight: 0 is out of range (an integer from 1 to 1000)",
                "broken.yaml:20: pools[0].health-check.interval: 'soon' is not a duration (a duration from 10ms to 1h)",
                "broken.yaml:22: limits.header-timeout: '-5s' is out of range (a duration from 1ms to 1h)"
                        .replace("'-5s' is out of range", "-5s is out of range"),
                "broken.yaml:23: limits.max-header-size: '12 bananas' is not a size (a size from 256 to 4MiB)");
    }

    @Test
    void shouldTakeAndCheckTheIoUringReceiveRingSettings() throws Exception {
        ApplianceConfig c = ConfigLoader.parse("runtime:\n  io-uring-recv-buffers: 2048\n  io-uring-recv-buffer-max: 256KiB\n"
                + VALID, "ok.yaml");
        assertThat(c.runtime().recvRingBuffers()).isEqualTo(2048);
        assertThat(c.runtime().recvBufferMaxBytes()).isEqualTo(256 * 1024);
        assertThat(errors("runtime:\n  io-uring-recv-buffers: 1000\n  io-uring-recv-buffer-max: 2MiB\n" + VALID))
                .containsExactly(
                        "broken.yaml:2: runtime.io-uring-recv-buffers: 1000 is not a power of two (16, 32, 64, ... 16384)",
                        "broken.yaml:3: runtime.io-uring-recv-buffer-max: 2MiB is out of range (a size from 4KiB to 1MiB)");
        assertThat(errors("runtime:\n  io-uring-recv-buffers: 8\n" + VALID)).containsExactly(
                "broken.yaml:2: runtime.io-uring-recv-buffers: 8 is out of range (an integer from 16 to 16384)");
    }

    @Test
    void shouldTakeAndBoundTheIdleSpin() throws Exception {
        assertThat(ConfigLoader.parse("runtime:\n  idle-spin-us: 0\n" + VALID, "ok.yaml").runtime().idleSpinMicros())
                .isZero();
        assertThat(ConfigLoader.parse("runtime:\n  idle-spin-us: 200\n" + VALID, "ok.yaml").runtime().idleSpinMicros())
                .isEqualTo(200);
        assertThat(errors("runtime:\n  idle-spin-us: 5000\n" + VALID)).containsExactly(
                "broken.yaml:2: runtime.idle-spin-us: 5000 is out of range (an integer from 0 to 1000)");
    }

    @Test
    void shouldRejectUnknownTopLevelSection() {
        assertThat(errors(VALID + "listner: {}\n")).containsExactly(
                "broken.yaml:11: listner: unknown key (one of runtime, listeners, pools, policy, virtual-services, limits, admin)");
    }

    @Test
    void shouldRequireTheEssentialSections() {
        assertThat(errors("admin:\n  port: 9090\n")).containsExactly(
                "broken.yaml:1: listeners: at least one listener is required (a list of {name, address, port})",
                "broken.yaml:1: pools: at least one pool is required (a list of pools with backends)",
                "broken.yaml:1: virtual-services: at least one virtual service is required (a list of {name, hosts, path-prefix, pool})");
    }

    @Test
    void shouldReportYamlSyntaxErrorsWithLine() {
        assertThat(errors("listeners:\n  - name: web\n   port: [\n")).hasSize(1).first().asString()
                .startsWith("broken.yaml:3: (syntax): ");
    }

    @Test
    void shouldRejectDuplicateKeysAndNames() {
        String yaml = VALID.replace("  - name: shop-pool\n", "  - name: shop-pool\n    retries: 1\n    retries: 2\n")
                + "  - name: shop-pool\n    backends: [127.0.0.1:9002]\n";
        assertThat(errors(yaml)).containsExactly(
                "broken.yaml:10: pools[0].retries: duplicate key (each key once)",
                "broken.yaml:13: pools[1].name: pool name 'shop-pool' is used twice (unique names)");
    }

    @Test
    void shouldReportAnEmptyFile() {
        assertThatThrownBy(() -> ConfigLoader.parse("", "empty.yaml"))
                .hasMessage("empty.yaml:0: (file): is empty (at least a listener, a virtual service and a pool)");
    }
}
