package dev.arbiter.tools.policy;

import static dev.arbiter.tools.policy.PolicyCalls.batchOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.tools.policy.rules.RuleSet;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FailModeTest {

    private static final String BATCH = batchOf(1, "GET", "/x", "192.0.2.1");

    private PolicyServer server;
    private PolicyCalls calls;

    @BeforeEach
    void start() throws Exception {
        server = PolicyServer.start(RuleSet.allDefault(), new InetSocketAddress("127.0.0.1", 0), Options.defaults());
        calls = new PolicyCalls(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void shouldAnswerInjectedStatus() throws Exception {
        server.failMode(FailMode.parse("status:503"));
        HttpResponse<String> response = calls.post("/v1/decisions", BATCH);
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("{\"error\":\"injected failure\"}");
        assertThat(calls.get("/auth", "X-Original-URI", "/").statusCode()).isEqualTo(503);
        assertThat(server.stats().batches()).isEqualTo(1);
    }

    @Test
    void shouldAnswerGarbage() throws Exception {
        server.failMode(FailMode.parse("garbage"));
        HttpResponse<String> response = calls.post("/v1/decisions", BATCH);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("<html>");
        assertThat(calls.get("/auth", "X-Original-URI", "/").headers().firstValue("X-Policy-TTL-Ms")).hasValue("soon");
    }

    @Test
    void shouldOmitDecisionsWhenMissing() throws Exception {
        server.failMode(FailMode.of(FailMode.Kind.MISSING));
        assertThat(calls.decide(BATCH)).isEmpty();
    }

    @Test
    void shouldAnswerOversizedBodies() throws Exception {
        server.failMode(FailMode.of(FailMode.Kind.OVERSIZE));
        HttpResponse<String> batch = calls.post("/v1/decisions", BATCH);
        assertThat(batch.body().length()).isGreaterThan(2 * 1024 * 1024);
        assertThat(PolicyCalls.JSON.readTree(batch.body()).get("decisions").get(0).get("id").asLong()).isEqualTo(1);
        HttpResponse<String> compat = calls.get("/auth", "X-Original-URI", "/");
        assertThat(compat.statusCode()).isEqualTo(403);
        assertThat(compat.body().length()).isGreaterThan(64 * 1024);
    }

    @Test
    void shouldCloseWithoutAnswering() throws Exception {
        server.failMode(FailMode.of(FailMode.Kind.CLOSE));
        assertThatThrownBy(() -> calls.post("/v1/decisions", BATCH)).isInstanceOf(IOException.class);
    }

    @Test
    void shouldHangButKeepTheConnectionOpenAndStayHealthy() throws Exception {
        server.failMode(FailMode.of(FailMode.Kind.HANG));
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(300);
            byte[] body = BATCH.getBytes(StandardCharsets.UTF_8);
            socket.getOutputStream().write(("POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            InputStream in = socket.getInputStream();
            assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
        }
        assertThat(calls.get("/v1/health").statusCode()).isEqualTo(200);
        assertThat(server.stats().batches()).isEqualTo(1);
    }

    @Test
    void shouldFailHealthChecksOnlyWhenAsked() throws Exception {
        server.close();
        server = PolicyServer.start(RuleSet.allDefault(), new InetSocketAddress("127.0.0.1", 0),
            Options.defaults().withFailMode(FailMode.status(500)).withFailHealth(true));
        calls = new PolicyCalls(server);
        assertThat(calls.get("/v1/health").statusCode()).isEqualTo(500);
        server.failMode(FailMode.NONE);
        assertThat(calls.get("/v1/health").statusCode()).isEqualTo(200);
        assertThat(calls.post("/v1/decisions", BATCH).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldDelayAnswersByTheConfiguredLatency() throws Exception {
        server.latencyMs(200);
        long start = System.nanoTime();
        calls.decide(BATCH);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(190);
        // Health is never delayed, so a slow policy still counts as up.
        start = System.nanoTime();
        calls.get("/v1/health");
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(190);
    }

    @Test
    void shouldMalformOnlyTheFirstDecisionInsideANestedObject() throws Exception {
        server.failMode(FailMode.parse("malformed-first"));
        String three = "{\"version\":1,\"requests\":[" + PolicyCalls.summary(1, "GET", "/a", "192.0.2.1") + ","
            + PolicyCalls.summary(2, "GET", "/b", "192.0.2.1") + "," + PolicyCalls.summary(3, "GET", "/c", "192.0.2.1") + "]}";
        HttpResponse<String> batch = calls.post("/v1/decisions", three);
        assertThat(batch.statusCode()).isEqualTo(200);
        var decisions = PolicyCalls.JSON.readTree(batch.body()).get("decisions");
        assertThat(decisions).hasSize(3);
        assertThat(decisions.get(0).get("set_headers").get("x-injected").isInt()).isTrue();
        assertThat(decisions.get(0).get("id").asLong()).isEqualTo(1);
        assertThat(decisions.get(1).has("set_headers")).isFalse();
        assertThat(decisions.get(2).has("set_headers")).isFalse();
        assertThat(decisions.get(2).get("id").asLong()).isEqualTo(3);
        assertThat(calls.get("/auth", "X-Original-URI", "/").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldParseFailModeFlag() {
        assertThat(FailMode.parse("malformed-first").kind()).isEqualTo(FailMode.Kind.MALFORMED_FIRST);
        assertThat(FailMode.of(FailMode.Kind.MALFORMED_FIRST)).hasToString("malformed-first");
        assertThat(FailMode.parse("status:502")).isEqualTo(FailMode.status(502));
        assertThat(FailMode.parse("HANG").kind()).isEqualTo(FailMode.Kind.HANG);
        assertThat(FailMode.parse("none").active()).isFalse();
        assertThatThrownBy(() -> FailMode.parse("explode")).hasMessageContaining("allowed: none, status:NNN");
        assertThatThrownBy(() -> FailMode.parse("status:42")).hasMessageContaining("outside 100..599");
    }
}
