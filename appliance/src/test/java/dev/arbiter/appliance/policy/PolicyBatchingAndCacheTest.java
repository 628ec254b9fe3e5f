package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.ConcurrentClients;
import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.tools.policy.Options;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyBatchingAndCacheTest {

    private static final String DEFAULT_RULES = "rules: []\nno-match: {default: true}\n";

    @Test
    void manyConcurrentClientsShouldShareFewPolicyCalls() throws Exception {
        try (PolicyFixture f = PolicyFixture.start(DEFAULT_RULES, "group: g\ndeadline: 5s", "",
                Options.defaults().withLatencyMs(5))) {
            int clients = 48;
            int perClient = 40;
            List<String> problems = ConcurrentClients.run(f.app, clients, perClient, (c, i) -> {
                RawHttp.Response r = c.get("/b" + i);
                return r.status != 200 || r.header("x-policy-fallback") != null
                        ? r.status + " " + r.header("x-policy-fallback") : null;
            });
            assertThat(problems).isEmpty();
            long requests = f.policy.stats().requests();
            long calls = f.policy.stats().batches();
            assertThat(requests).isEqualTo((long) clients * perClient);
            // Requests that arrive while a call is out share the next one.
            assertThat(calls).as("calls for " + requests + " requests").isLessThan(requests / 4);
        }
    }

    @Test
    void aLoneRequestShouldBeSentAtOnceInABatchOfOne() throws Exception {
        try (PolicyFixture f = PolicyFixture.start(DEFAULT_RULES, "group: g\ndeadline: 5s");
             RawHttp c = f.app.connect()) {
            RawHttp.Response r = c.get("/alone");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("x-policy-fallback")).isNull();
            assertThat(f.policy.stats().batches()).isEqualTo(1);
            assertThat(f.app.metric("arbiter_policy_batch_size{group=\"g\",quantile=\"0.999\"}")).isEqualTo(1.0);
        }
    }

    @Test
    void cacheHitsShouldSkipTheCallAndExpireOnTtl() throws Exception {
        String rules = """
                rules:
                  - match: {path-prefix: /cached}
                    forward: {pool: other-pool}
                    ttl-ms: 400
                    scope: [path]
                no-match: {default: true}
                """;
        try (PolicyFixture f = PolicyFixture.start(rules, "group: g\ndeadline: 5s");
             RawHttp c = f.app.connect()) {
            assertThat(c.get("/cached?x=1").header("x-backend")).isEqualTo("other");
            assertThat(c.get("/cached?x=2").header("x-backend")).as("query is outside the scope").isEqualTo("other");
            assertThat(c.get("/cached").header("x-backend")).isEqualTo("other");
            assertThat(f.policy.stats().requests()).as("two hits, one call").isEqualTo(1);
            assertThat(f.app.metric("arbiter_policy_cache_hits_total")).isEqualTo(2);
            assertThat(c.get("/cached/other").header("x-backend")).as("another path is another key").isEqualTo("other");
            assertThat(f.policy.stats().requests()).isEqualTo(2);

            Thread.sleep(600); // past the 400 ms TTL
            assertThat(c.get("/cached?x=3").header("x-backend")).isEqualTo("other");
            assertThat(f.policy.stats().requests()).as("expired entry asks again").isEqualTo(3);
            assertThat(f.app.metric("arbiter_policy_cache_expiries_total")).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void failuresShouldNeverBeCached() throws Exception {
        try (PolicyFixture f = PolicyFixture.start("rules:\n  - match: {}\n    default: true\n    ttl-ms: 60000\n",
                "group: g\ndeadline: 2s", "", Options.defaults());
             RawHttp c = f.app.connect()) {
            f.policy.failMode(dev.arbiter.tools.policy.FailMode.status(500));
            assertThat(c.get("/f").header("x-policy-fallback")).isEqualTo("status");
            f.policy.failMode(dev.arbiter.tools.policy.FailMode.NONE);
            assertThat(c.get("/f").header("x-policy-fallback")).isNull();
            assertThat(f.policy.stats().requests()).isEqualTo(2);
            assertThat(c.get("/f").header("x-policy-fallback")).isNull();
            assertThat(f.policy.stats().requests()).as("the good decision is cached").isEqualTo(2);
        }
    }
}
