package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.ConcurrentClients;
import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.tools.policy.FailMode;
import dev.arbiter.tools.policy.Options;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every failure kind of protocol section 5, for both on-failure settings: the request is served
 * by fallback or refused with 503, marked with the reason, and never waits past its deadline
 * (a hang would trip the client's read timeout, which is far above the deadline).
 */
class PolicyFailureTest {

    private static final String RULES = "rules: []\nno-match: {forward: {pool: other-pool}}\n";

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(FailMode.status(500), "status"),
                Arguments.of(FailMode.of(FailMode.Kind.GARBAGE), "invalid-response"),
                Arguments.of(FailMode.of(FailMode.Kind.HANG), "timeout"),
                Arguments.of(FailMode.of(FailMode.Kind.CLOSE), "connection"),
                Arguments.of(FailMode.of(FailMode.Kind.MISSING), "missing-decision"),
                Arguments.of(FailMode.of(FailMode.Kind.OVERSIZE), "too-large"));
    }

    @ParameterizedTest(name = "{1} -> fallback")
    @MethodSource("failures")
    void shouldFallBackToTheLocalAlgorithm(FailMode mode, String reason) throws Exception {
        try (PolicyFixture f = PolicyFixture.start(RULES, "group: g\ndeadline: 300ms\non-failure: fallback",
                "circuit-breaker: {failures: 1000}", Options.defaults())) {
            try (RawHttp c = f.app.connect()) {
                assertThat(c.get("/warm").header("x-backend")).isEqualTo("other");
            }
            f.policy.failMode(mode);
            try (RawHttp c = f.app.connect()) {
                RawHttp.Response r = c.get("/x");
                assertThat(r.status).isEqualTo(200);
                assertThat(r.header("x-backend")).as("local algorithm, not the policy's pool").startsWith("main");
                assertThat(r.header("x-policy-fallback")).isEqualTo(reason);
            }
            assertThat(f.app.metric("arbiter_policy_failures_total{service=\"svc\",reason=\"" + reason + "\"}")).isEqualTo(1);
            assertThat(f.app.metric("arbiter_policy_fallbacks_total{service=\"svc\"}")).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{1} -> reject")
    @MethodSource("failures")
    void shouldRejectWith503(FailMode mode, String reason) throws Exception {
        try (PolicyFixture f = PolicyFixture.start(RULES, "group: g\ndeadline: 300ms\non-failure: reject",
                "circuit-breaker: {failures: 1000}", Options.defaults())) {
            f.policy.failMode(mode);
            int before = f.main1.requestCount() + f.main2.requestCount() + f.other.requestCount();
            try (RawHttp c = f.app.connect()) {
                RawHttp.Response r = c.get("/x");
                assertThat(r.status).isEqualTo(503);
                assertThat(r.header("x-policy-fallback")).isEqualTo(reason);
            }
            assertThat(f.main1.requestCount() + f.main2.requestCount() + f.other.requestCount()).isEqualTo(before);
            assertThat(f.app.metric("arbiter_policy_rejects_total{service=\"svc\"}")).isEqualTo(1);
        }
    }

    @Test
    void shouldFailOnlyTheMalformedDecisionOfABatch() throws Exception {
        // Each call is held 100 ms, so the clients that arrive meanwhile ride one call together;
        // the server malforms the first decision of every call inside a nested object.
        try (PolicyFixture f = PolicyFixture.start(RULES, "group: g\ndeadline: 5s\non-failure: fallback",
                "circuit-breaker: {failures: 1000}", Options.defaults().withLatencyMs(100))) {
            f.policy.failMode(FailMode.of(FailMode.Kind.MALFORMED_FIRST));
            int clients = 12;
            Queue<String> outcomes = new ConcurrentLinkedQueue<>();
            List<String> problems = ConcurrentClients.run(f.app, clients, 1, (c, i) -> {
                RawHttp.Response r = c.get("/x/" + i);
                String fallback = r.header("x-policy-fallback");
                outcomes.add(fallback != null ? fallback : r.header("x-backend"));
                return r.status == 200 ? null : "status " + r.status;
            });
            assertThat(problems).isEmpty();
            long calls = f.policy.stats().batches();
            assertThat(calls).as("some call carried several requests").isLessThan(clients);
            assertThat(outcomes).as("one invalid decision per call, every other request routed by its decision")
                    .containsOnly("invalid-decision", "other")
                    .filteredOn("invalid-decision"::equals).hasSize((int) calls);
            assertThat(f.app.metric("arbiter_policy_failures_total{service=\"svc\",reason=\"missing-decision\"}")).isZero();
        }
    }

    @Test
    void shouldFailUnknownPoolAsInvalidDecision() throws Exception {
        try (PolicyFixture f = PolicyFixture.start("rules: []\nno-match: {default: true}\n", "group: g\ndeadline: 2s")) {
            // The rules file is validated by the reference server, so serve the bad decision by reloading
            // the appliance with a pool list that no longer has the one the policy names.
            f.policy.rules(dev.arbiter.tools.policy.rules.RuleSet.parse(
                    "rules: []\nno-match: {forward: {pool: gone-pool}}\n", "bad.yaml"));
            try (RawHttp c = f.app.connect()) {
                RawHttp.Response r = c.get("/x");
                assertThat(r.status).isEqualTo(200);
                assertThat(r.header("x-policy-fallback")).isEqualTo("invalid-decision");
            }
        }
    }

    @Test
    void shouldFailFastWhenNoPolicyServerIsReachable() throws Exception {
        try (PolicyFixture f = PolicyFixture.start(RULES, "group: g\ndeadline: 5s")) {
            f.policy.close();
            assertThat(RunningAppliance.eventually(10, () -> metricQuiet(f, "arbiter_policy_server_up{group=\"g\",server=\""
                    + f.policy.address().getAddress().getHostAddress() + ":" + f.policy.port() + "\"}") == 0)).isTrue();
            try (RawHttp c = f.app.connect()) {
                RawHttp.Response r = c.get("/x");
                assertThat(r.status).isEqualTo(200);
                assertThat(r.header("x-policy-fallback")).isEqualTo("unavailable");
            }
        }
    }

    /**
     * An idle loop parks its overdue check (so it is not woken 200 times a second); the next request
     * must re-arm it, or a call that never returns would hold the group's only connection for good.
     */
    @Test
    void shouldStillFailAHungCallAfterTheOverdueCheckParked() throws Exception {
        try (PolicyFixture f = PolicyFixture.start(RULES, "group: g\ndeadline: 300ms\non-failure: fallback",
                "connections-per-server: 1\ncircuit-breaker: {failures: 1000}", Options.defaults())) {
            try (RawHttp c = f.app.connect()) {
                assertThat(c.get("/warm").header("x-backend")).isEqualTo("other");
            }
            PolicyGroup g = f.app.appliance().policy().groups().get(0);
            assertThat(RunningAppliance.eventually(10, () -> !armed(g))).as("parked after a quiet second").isTrue();

            f.policy.failMode(FailMode.of(FailMode.Kind.HANG));
            try (RawHttp c = f.app.connect()) {
                assertThat(c.get("/hung").header("x-policy-fallback")).isEqualTo("timeout");
            }
            f.policy.failMode(FailMode.NONE);
            // The hung call must have been failed (closing its connection) for this one to be decided.
            try (RawHttp c = f.app.connect()) {
                RawHttp.Response r = c.get("/after");
                assertThat(r.header("x-policy-fallback")).isNull();
                assertThat(r.header("x-backend")).isEqualTo("other");
            }
            assertThat(f.app.metric("arbiter_policy_failures_total{service=\"svc\",reason=\"timeout\"}")).isEqualTo(1);
        }
    }

    private static boolean armed(PolicyGroup g) {
        try {
            return g.io().submit(g::overdueCheckArmed).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static double metricQuiet(PolicyFixture f, String sample) {
        try {
            return f.app.metric(sample);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
