package dev.arbiter.tools.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.tools.policy.rules.RuleSet;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CompatModeTest {

    private static final String RULES = """
        rules:
          - name: deny-bots
            match: {header: {name: user-agent, regex: "(?i)bot"}}
            respond: {status: 403, headers: {content-type: text/plain}, body: "no bots\\n"}
          - name: old-shop
            match: {host: old.example.com}
            respond: {status: 301, headers: {location: "https://shop.example.com/"}}
            ttl-ms: 60000
            scope: [host]
          - name: maintenance
            match: {path-prefix: /maintenance}
            respond: {status: 503, body: "later\\n"}
          - name: api
            match: {path-prefix: /api/, method: POST, client-cidr: 10.0.0.0/8, service: shop}
            forward:
              pool: api-pool
              backend: "10.0.0.5:8080"
              set-headers: {x-tenant: blue, x-trace: "on"}
              remove-headers: [cookie, authorization]
            rewrite: {path: /v2/orders}
            ttl-ms: 5000
            scope: [method, path, client_address]
          - name: canonical
            rewrite: {drop-query-params: [sid, "utm_*"]}
        """;

    private PolicyServer server;
    private PolicyCalls calls;

    @BeforeEach
    void start() throws Exception {
        server = PolicyServer.start(RuleSet.parse(RULES, "compat.yaml"), new InetSocketAddress("127.0.0.1", 0),
            Options.defaults().withCompatPath("/check"));
        calls = new PolicyCalls(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> check(String method, String uri, String client, String... extraHeaders) throws Exception {
        String[] headers = new String[10 + extraHeaders.length];
        String[] base = {"X-Original-URI", uri, "X-Original-Method", method, "X-Forwarded-For", client,
            "X-Forwarded-Proto", "http", "X-Forwarded-Host", "shop.example.com"};
        System.arraycopy(base, 0, headers, 0, base.length);
        System.arraycopy(extraHeaders, 0, headers, base.length, extraHeaders.length);
        return calls.get("/check", headers);
    }

    @Test
    void shouldAllowWithDecisionHeaders() throws Exception {
        HttpResponse<String> response = check("POST", "/api/orders?x=1", "10.1.2.3, 192.0.2.1",
            "X-Policy-Service", "shop", "Cookie", "a=b");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Policy-Pool")).hasValue("api-pool");
        assertThat(response.headers().firstValue("X-Policy-Backend")).hasValue("10.0.0.5:8080");
        assertThat(response.headers().firstValue("X-Policy-Rewrite-Path")).hasValue("/v2/orders");
        assertThat(response.headers().firstValue("X-Policy-Rewrite-Query")).isEmpty();
        assertThat(response.headers().allValues("X-Policy-Set-Header")).containsExactly("x-tenant: blue", "x-trace: on");
        assertThat(response.headers().allValues("X-Policy-Remove-Header")).containsExactly("cookie", "authorization");
        assertThat(response.headers().firstValue("X-Policy-TTL-Ms")).hasValue("5000");
        assertThat(response.headers().firstValue("X-Policy-Scope")).hasValue("method,path,client_address");
        assertThat(server.stats().compatRequests()).isEqualTo(1);
    }

    @Test
    void shouldRewriteQueryInCompatMode() throws Exception {
        HttpResponse<String> response = check("GET", "/p?sid=9&k=v&utm_x=1", "192.0.2.1");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Policy-Rewrite-Query")).hasValue("k=v");
        assertThat(response.headers().firstValue("X-Policy-Pool")).isEmpty();
    }

    @Test
    void shouldPassThrough403WithHeadersAndBody() throws Exception {
        HttpResponse<String> response = check("GET", "/", "192.0.2.1", "User-Agent", "SomeBot/1.0");
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain");
        assertThat(response.body()).isEqualTo("no bots\n");
    }

    @Test
    void shouldPassThroughRedirectWithCacheHeaders() throws Exception {
        HttpResponse<String> response = calls.get("/check", "X-Original-URI", "/", "X-Forwarded-Host", "old.example.com", "X-Forwarded-For", "192.0.2.1");
        assertThat(response.statusCode()).isEqualTo(301);
        assertThat(response.headers().firstValue("location")).hasValue("https://shop.example.com/");
        assertThat(response.headers().firstValue("X-Policy-TTL-Ms")).hasValue("60000");
        assertThat(response.headers().firstValue("X-Policy-Scope")).hasValue("host");
    }

    @Test
    void shouldAnswer500ForRespondStatusCompatModeCannotCarry() throws Exception {
        HttpResponse<String> response = check("GET", "/maintenance", "192.0.2.1");
        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("cannot be expressed in compatibility mode");
    }

    @Test
    void shouldAnswerBare200ForDefault() throws Exception {
        server.rules(RuleSet.parse("rules: []", "empty.yaml"));
        HttpResponse<String> response = check("GET", "/anything", "192.0.2.1");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().map().keySet()).noneMatch(name -> name.toLowerCase().startsWith("x-policy-"));
    }
}
