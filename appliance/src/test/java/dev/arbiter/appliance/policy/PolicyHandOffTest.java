package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.ConcurrentClients;
import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.tools.policy.Options;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both shapes of the policy path ({@code policy.hand-off}) with two event loops: every decision
 * reaches the request it was made for, on the loop that owns it, and calls stay batched.
 */
class PolicyHandOffTest {

    private static final String RULES = """
            rules:
              - name: to-other
                match: {path-prefix: /other}
                forward: {pool: other-pool}
            no-match: {default: true}
            """;

    @ParameterizedTest
    @ValueSource(strings = {"loop", "ring"})
    void decisionsShouldReachTheirOwnRequestsOnEveryLoopAndShareCalls(String handOff) throws Exception {
        // Each answer is held 50 ms, and a loop has one call in flight at a time. The clients move in
        // waves: each sends its next request when its answer comes, so the first arrival of a wave
        // leaves at once and the rest (about 23 per loop) reach their loop well within that call's
        // 50 ms, even on a busy box, and ride the next call together: about 2 calls per loop per
        // wave, a third of the requests / 4 allowed. (With 5 ms and 24 clients, a busy box
        // scheduled the clients too late for the next call, and batches shrank below 4.)
        try (PolicyFixture f = new PolicyFixture(RULES, Options.defaults().withLatencyMs(50))) {
            f.app = RunningAppliance.start(f.config("group: g\ndeadline: 5s", "", "native")
                    .runtime("event-loop-cores: [0, 1]\npin-threads: false\ntimer-resolution: 5ms\n")
                    .policy("hand-off: " + handOff + "\nmax-batch: 64\ngroups:\n  - name: g\n    servers: ["
                            + f.policy.address().getAddress().getHostAddress() + ":" + f.policy.port() + "]\n"
                            + "    connections-per-server: 1\n    health-check: {interval: 1h}\n"));
            int clients = 48;
            int perClient = 10;
            List<String> problems = ConcurrentClients.run(f.app, clients, perClient, (c, i) -> {
                boolean other = i % 2 == 0;
                RawHttp.Response r = c.get((other ? "/other/" : "/main/") + i);
                String backend = r.header("x-backend");
                boolean right = other ? "other".equals(backend) : "main-1".equals(backend) || "main-2".equals(backend);
                return r.status != 200 || r.header("x-policy-fallback") != null || !right
                        ? r.status + " " + r.header("x-policy-fallback") + " from " + backend + " for request " + i : null;
            });
            assertThat(problems).isEmpty();
            long requests = f.policy.stats().requests();
            assertThat(requests).isEqualTo((long) clients * perClient);
            assertThat(f.policy.stats().batches()).as("calls for " + requests + " requests").isLessThan(requests / 4);
            // One connection per server: the loop hand-off has one per event loop (both loops had
            // clients), the ring's policy I/O thread one in all.
            assertThat(f.policy.batchConnections()).isEqualTo(handOff.equals("loop") ? 2 : 1);
            assertThat(f.app.metric("arbiter_policy_fallbacks_total{service=\"svc\"}")).isZero();
        }
    }

    @Test
    void healthShouldBeCheckedOncePerServerNotOncePerLoop() throws Exception {
        try (PolicyFixture f = new PolicyFixture(RULES, Options.defaults())) {
            f.app = RunningAppliance.start(f.config("group: g\ndeadline: 5s", "", "native")
                    .runtime("event-loop-cores: [0, 1, 2, 3]\npin-threads: false\ntimer-resolution: 5ms\n")
                    .policy("hand-off: loop\ngroups:\n  - name: g\n    servers: ["
                            + f.policy.address().getAddress().getHostAddress() + ":" + f.policy.port() + "]\n"
                            + "    health-check: {interval: 100ms}\n"));
            long before = f.policy.stats().healthChecks();
            Thread.sleep(2000);
            long checks = f.policy.stats().healthChecks() - before;
            // Scheduled at a fixed rate, one prober makes at most 21 checks in 2 s; one per loop would make about 80.
            assertThat(checks).isBetween(1L, 25L);
            try (RawHttp c = f.app.connect()) {
                assertThat(c.get("/other/x").header("x-backend")).isEqualTo("other");
            }
        }
    }
}
