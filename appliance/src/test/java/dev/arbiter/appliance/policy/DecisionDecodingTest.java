package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Decisions read from one answer: each is read against the one before it and shares its
 * strings and lists where they are equal, so every variation of a field from one decision to
 * the next must still read as it would alone (protocol section 2.5).
 */
class DecisionDecodingTest {

    /** Each differs from the one before in one way: a field's value, its length, a list's length or order, a case. */
    static final List<String> SEQUENCE = List.of(
            "\"action\":\"forward\",\"pool\":\"p\",\"ttl_ms\":5000,\"scope\":[\"path\"]",
            "\"action\":\"forward\",\"pool\":\"p\",\"ttl_ms\":5000,\"scope\":[\"path\"]",
            "\"action\":\"forward\",\"pool\":\"q\",\"ttl_ms\":5000,\"scope\":[\"path\"]",
            "\"action\":\"forward\",\"pool\":\"pp\",\"ttl_ms\":5000,\"scope\":[\"path\",\"query\"]",
            "\"action\":\"forward\",\"pool\":\"pp\",\"ttl_ms\":5000,\"scope\":[\"path\"]",
            "\"action\":\"forward\",\"pool\":\"pp\",\"ttl_ms\":5000,\"scope\":[]",
            "\"action\":\"forward\",\"pool\":\"pp\",\"ttl_ms\":5000,\"scope\":[\"query\",\"path\"]",
            "\"action\":\"forward\",\"pool\":\"pp\",\"ttl_ms\":5000,\"scope\":[\"path\",\"query\"]",
            "\"action\":\"forward\",\"pool\":\"pp\",\"ttl_ms\":5000",
            "\"action\":\"forward\",\"backend\":\"127.0.0.1:8080\",\"rewrite\":{\"path\":\"/a\",\"query\":\"x=1\"}",
            "\"action\":\"forward\",\"backend\":\"127.0.0.1:8080\",\"rewrite\":{\"path\":\"/a\",\"query\":\"x=2\"}",
            "\"action\":\"forward\",\"backend\":\"127.0.0.1:8081\",\"rewrite\":{\"path\":\"/b\"}",
            "\"action\":\"forward\",\"pool\":\"p\",\"set_headers\":{\"X-Tenant\":\"blue\",\"x-a\":\"1\"},"
                    + "\"remove_headers\":[\"Cookie\",\"x-debug\"]",
            "\"action\":\"forward\",\"pool\":\"p\",\"set_headers\":{\"x-tenant\":\"blue\",\"x-a\":\"1\"},"
                    + "\"remove_headers\":[\"cookie\",\"X-DEBUG\"]",
            "\"action\":\"forward\",\"pool\":\"p\",\"set_headers\":{\"x-tenant\":\"green\",\"x-a\":\"1\"},"
                    + "\"remove_headers\":[\"cookie\"]",
            "\"action\":\"forward\",\"pool\":\"p\",\"set_headers\":{\"x-tenant\":\"green\"},"
                    + "\"remove_headers\":[\"cookie\",\"x-debug\",\"x-more\"]",
            "\"action\":\"forward\",\"pool\":\"p\",\"set_headers\":{\"x-tenant\":\"green\",\"x-b\":\"2\"}",
            "\"action\":\"forward\",\"pool\":\"p\",\"set_headers\":{}",
            "\"action\":\"respond\",\"status\":403,\"headers\":{\"content-type\":\"text/plain\"},\"body\":\"no\"",
            "\"action\":\"respond\",\"status\":403,\"headers\":{\"content-type\":\"text/plain\"},\"body\":\"no\"",
            "\"action\":\"respond\",\"status\":403,\"headers\":{\"content-type\":\"text/html\"},\"body\":\"nö\"",
            "\"action\":\"respond\",\"status\":302,\"headers\":{\"location\":\"/login\"}",
            "\"action\":\"default\"",
            "\"action\":\"default\",\"ttl_ms\":1000,\"scope\":[\"host\"]",
            "\"action\":\"forward\",\"pool\":[\"p\"]",
            "\"action\":\"forward\",\"pool\":\"p\",\"scope\":[\"path\",7],\"ttl_ms\":5",
            "\"action\":\"forward\",\"pool\":\"p\",\"scope\":[\"path\"],\"ttl_ms\":5",
            "\"action\":\"forward\",\"pool\":\"p\",\"set_headers\":{\"x-a\":1}",
            "\"action\":\"forward\",\"pool\":\"p\",\"set_headers\":{\"x-a\":\"1\"}",
            "\"action\":\"forwarded\",\"pool\":\"p\"",
            "\"action\":\"forward\",\"pool\":\"p\"");

    @AutoClose
    private final UnstartedStage fixture = UnstartedStage.create();
    private final DefaultHttpHeaders headers = new DefaultHttpHeaders();

    @Test
    void shouldReadEveryDecisionOfAnAnswerAsItReadsAlone() throws Exception {
        List<Decision> together = decode(SEQUENCE);
        assertThat(together).hasSize(SEQUENCE.size());
        for (int i = 0; i < SEQUENCE.size(); i++) {
            Decision alone = decode(List.of(SEQUENCE.get(i))).get(0);
            assertThat(fields(together.get(i))).as("decision %d: %s", i, SEQUENCE.get(i)).isEqualTo(fields(alone));
        }
    }

    @Test
    void shouldReadHeaderNamesLowerCaseAndValuesAsSentWhenTheyFollowALikeDecision() throws Exception {
        List<Decision> d = decode(SEQUENCE.subList(12, 16));
        assertThat(d.get(0).setHeaders()).containsExactly("x-tenant", "blue", "x-a", "1");
        assertThat(d.get(0).removeHeaders()).containsExactly("cookie", "x-debug");
        assertThat(d.get(1).removeHeaders()).containsExactly("cookie", "x-debug");
        assertThat(d.get(2).setHeaders()).containsExactly("x-tenant", "green", "x-a", "1");
        assertThat(d.get(2).removeHeaders()).containsExactly("cookie");
        assertThat(d.get(3).setHeaders()).containsExactly("x-tenant", "green");
        assertThat(d.get(3).removeHeaders()).containsExactly("cookie", "x-debug", "x-more");
    }

    @Test
    void shouldShareOneDecisionAcrossAlikeDecisionsOfAnAnswer() throws Exception {
        List<Decision> d = decode(SEQUENCE.subList(0, 3));
        assertThat(d.get(1)).isSameAs(d.get(0));
        assertThat(d.get(2)).isNotSameAs(d.get(1));
        assertThat(d.get(2).pool()).isEqualTo("q");
    }

    @Test
    void shouldFailOnlyTheMalformedDecisionBetweenGoodOnes() throws Exception {
        List<Decision> d = decode(SEQUENCE.subList(24, 31));
        assertThat(d.get(0).isFailure()).as("pool is an array").isTrue();
        assertThat(d.get(1).isFailure()).as("a scope entry is a number").isTrue();
        assertThat(d.get(2).isFailure()).isFalse();
        assertThat(d.get(3).isFailure()).as("a header value is a number").isTrue();
        assertThat(d.get(4).isFailure()).isFalse();
        assertThat(d.get(5).isFailure()).as("unknown action").isTrue();
        assertThat(d.get(6).isFailure()).isFalse();
        assertThat(d.get(6).pool()).isEqualTo("p");
    }

    private List<Decision> decode(List<String> bodies) throws Exception {
        StringBuilder json = new StringBuilder("{\"decisions\":[");
        for (int i = 0; i < bodies.size(); i++) {
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(',').append(bodies.get(i)).append('}');
        }
        return fixture.decide(json.append("]}").toString(), bodies.size(), headers);
    }

    /** The decision's fields, the body by content. */
    static List<Object> fields(Decision d) {
        return Arrays.asList(d.action(), d.failure(), d.pool(), d.backend(), d.rewritePath(), d.rewriteQuery(),
                d.setHeaders(), d.removeHeaders(), d.status(), d.respondHeaders(),
                d.body() == null ? null : new String(d.body(), StandardCharsets.UTF_8), d.ttlMillis(), d.scope());
    }
}
