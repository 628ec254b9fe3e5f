package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import dev.arbiter.tools.backend.ReceivedRequest;
import dev.arbiter.tools.policy.FailMode;
import dev.arbiter.tools.policy.Options;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Circuit breaker, shadow mode, compatibility mode and per-tenant settings. */
class PolicyModesTest {

    @Test
    void breakerShouldOpenOnFailingServerAndCloseAfterItRecovers() throws Exception {
        try (PolicyFixture f = PolicyFixture.start("rules: []\nno-match: {forward: {pool: other-pool}}\n",
                "group: g\ndeadline: 1s", "circuit-breaker: {failures: 3, open-time: 2s}", Options.defaults())) {
            String server = f.policy.address().getAddress().getHostAddress() + ":" + f.policy.port();
            String breaker = "arbiter_policy_breaker_state{group=\"g\",server=\"" + server + "\"}";
            f.policy.failMode(FailMode.status(500));
            try (RawHttp c = f.app.connect()) {
                for (int i = 0; i < 3; i++) {
                    assertThat(c.get("/x").header("x-policy-fallback")).isEqualTo("status");
                }
                assertThat(f.app.metric(breaker)).as("open").isEqualTo(1);
                long callsWhenOpened = f.policy.stats().batches();
                assertThat(c.get("/x").header("x-policy-fallback")).isEqualTo("unavailable");
                assertThat(f.policy.stats().batches()).as("no call while open").isEqualTo(callsWhenOpened);

                f.policy.failMode(FailMode.NONE);
                assertThat(RunningAppliance.eventually(10, () -> {
                    try {
                        return c.get("/x").header("x-backend").equals("other");
                    } catch (Exception e) {
                        return false;
                    }
                })).as("a probe call goes through after open-time and closes the breaker").isTrue();
                assertThat(f.app.metric(breaker)).as("closed").isEqualTo(0);
            }
        }
    }

    @Test
    void shadowModeShouldRouteLocallyAndCountAgreement() throws Exception {
        String rules = """
                rules:
                  - match: {path-prefix: /disagree}
                    forward: {pool: other-pool}
                no-match: {default: true}
                """;
        try (PolicyFixture f = PolicyFixture.start(rules, "group: g\nmode: shadow\ndeadline: 1s")) {
            try (RawHttp c = f.app.connect()) {
                for (int i = 0; i < 4; i++) {
                    assertThat(c.get("/agree").header("x-backend")).startsWith("main");
                    assertThat(c.get("/disagree").header("x-backend")).as("not enforced").startsWith("main");
                }
            }
            assertThat(f.other.requestCount()).isZero();
            assertThat(RunningAppliance.eventually(5, () -> PolicyFailureTest.metricQuiet(f,
                    "arbiter_policy_shadow_total{service=\"svc\",result=\"disagree\"}") == 4)).isTrue();
            assertThat(f.app.metric("arbiter_policy_shadow_total{service=\"svc\",result=\"agree\"}")).isEqualTo(4);
        }
    }

    /** An authorization service written for nginx auth_request, unchanged. */
    private static HttpServer authRequestStyleServer(Map<String, String> seen) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/auth", ex -> {
            String uri = ex.getRequestHeaders().getFirst("X-Original-URI");
            seen.put("uri", uri);
            seen.put("method", ex.getRequestHeaders().getFirst("X-Original-Method"));
            seen.put("xff", ex.getRequestHeaders().getFirst("X-Forwarded-For"));
            seen.put("authorization", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            if (uri.startsWith("/private") && ex.getRequestHeaders().getFirst("Authorization") == null) {
                byte[] body = "login required\n".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"shop\"");
                ex.sendResponseHeaders(401, body.length);
                ex.getResponseBody().write(body);
            } else if (uri.startsWith("/moved")) {
                ex.getResponseHeaders().add("Location", "https://example.com/new");
                ex.sendResponseHeaders(301, -1);
            } else if (uri.startsWith("/broken")) {
                ex.sendResponseHeaders(500, -1);
            } else {
                ex.getResponseHeaders().add("X-Policy-Set-Header", "x-user: alice");
                ex.getResponseHeaders().add("X-Policy-Rewrite-Path", "/authorized" + uri.replaceAll("\\?.*", ""));
                ex.sendResponseHeaders(200, -1);
            }
            ex.close();
        });
        s.start();
        return s;
    }

    /** An appliance whose one service asks {@code auth} in compatibility mode and rejects on failure. */
    private static RunningAppliance startWithCompatPolicy(DemoBackend b, HttpServer auth, String extraServicePolicy)
            throws Exception {
        return RunningAppliance.start(TestConfig.create()
                .pool("p", "", b.address())
                .service("svc", "[\"*\"]", "/", "p", "group: auth\ndeadline: 2s\non-failure: reject" + extraServicePolicy)
                .policy("groups:\n  - name: auth\n    mode: compat\n    compat-path: /auth\n    servers: [127.0.0.1:"
                        + auth.getAddress().getPort() + "]\n    health-check: {path: /auth}\n"));
    }

    /**
     * An auth service whose 2xx answers carry rewrites the appliance must refuse: each would put a
     * space, a fragment, a relative path, a framing header or an unparsable line into the request.
     */
    @Test
    void compatibilityModeShouldRefuseRewritesThatWouldCorruptTheForwardedRequest() throws Exception {
        Map<String, String[]> answers = Map.of(
                "/space", new String[] {"X-Policy-Rewrite-Path", "/a b"},
                "/relative", new String[] {"X-Policy-Rewrite-Path", "a/b"},
                "/question", new String[] {"X-Policy-Rewrite-Path", "/a?b=1"},
                "/fragment", new String[] {"X-Policy-Rewrite-Query", "a=1#top"},
                "/framing", new String[] {"X-Policy-Set-Header", "content-length: 0"},
                "/no-colon", new String[] {"X-Policy-Set-Header", "x-user alice"},
                "/bad-name", new String[] {"X-Policy-Set-Header", "x user: alice"},
                "/bad-backend", new String[] {"X-Policy-Backend", "not an address"},
                "/fine", new String[] {"X-Policy-Rewrite-Path", "/rewritten"});
        HttpServer auth = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        auth.createContext("/auth", ex -> {
            String[] a = answers.get(ex.getRequestHeaders().getFirst("X-Original-URI"));
            if (a != null) {
                ex.getResponseHeaders().add(a[0], a[1]);
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        auth.start();
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = startWithCompatPolicy(b, auth, "");
             RawHttp c = app.connect()) {
            for (String uri : answers.keySet()) {
                if (uri.equals("/fine")) {
                    continue;
                }
                RawHttp.Response r = c.get(uri);
                assertThat(r.status).as(uri).isEqualTo(503);
                assertThat(r.header("x-policy-fallback")).as(uri).isEqualTo("invalid-decision");
            }
            assertThat(b.requestCount()).as("no refused rewrite reached the backend").isZero();
            assertThat(c.get("/fine").status).as("the connection is still usable").isEqualTo(200);
            assertThat(b.received().poll(2, TimeUnit.SECONDS).uri()).isEqualTo("/rewritten");
        } finally {
            auth.stop(0);
        }
    }

    @Test
    void compatibilityModeShouldWorkWithAnAuthRequestStyleServer() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpServer auth = authRequestStyleServer(seen);
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = startWithCompatPolicy(b, auth, "\nheaders: [authorization]");
             RawHttp c = app.connect()) {
            RawHttp.Response ok = c.get("/shop/item?x=1");
            assertThat(ok.status).isEqualTo(200);
            ReceivedRequest r = b.received().poll(2, TimeUnit.SECONDS);
            assertThat(r.uri()).isEqualTo("/authorized/shop/item?x=1");
            assertThat(r.headers().get("x-user")).isEqualTo("alice");
            assertThat(seen).containsEntry("uri", "/shop/item?x=1").containsEntry("method", "GET").containsEntry("xff", "127.0.0.1");

            RawHttp.Response denied = c.get("/private/data");
            assertThat(denied.status).isEqualTo(401);
            assertThat(denied.header("www-authenticate")).isEqualTo("Basic realm=\"shop\"");
            assertThat(denied.text()).isEqualTo("login required\n");

            c.send("GET /private/data HTTP/1.1\r\nHost: a\r\nAuthorization: Basic YTpi\r\n\r\n");
            assertThat(c.read().status).as("the listed header reaches the auth service").isEqualTo(200);
            assertThat(seen).containsEntry("authorization", "Basic YTpi");

            RawHttp.Response moved = c.get("/moved");
            assertThat(moved.status).isEqualTo(301);
            assertThat(moved.header("location")).isEqualTo("https://example.com/new");

            RawHttp.Response broken = c.get("/broken");
            assertThat(broken.status).as("a 5xx from the auth service is a policy failure; reject").isEqualTo(503);
            assertThat(broken.header("x-policy-fallback")).isEqualTo("status");
        } finally {
            auth.stop(0);
        }
    }

    @Test
    void eachTenantShouldUseItsOwnPolicyGroupModeDeadlineAndFailureBehaviour() throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        HttpServer auth = authRequestStyleServer(seen);
        try (PolicyFixture f = new PolicyFixture("rules: []\nno-match: {forward: {pool: other-pool}}\n", Options.defaults())) {
            String policyAddress = "127.0.0.1:" + f.policy.port();
            f.app = RunningAppliance.start(TestConfig.create()
                    .pool("main", "", f.main1.address())
                    .pool("other-pool", "", f.other.address())
                    .service("tenant-a", "[\"a.example.com\"]", "/", "main", "group: native-a\ndeadline: 500ms\non-failure: fallback")
                    .service("tenant-b", "[\"b.example.com\"]", "/", "main", "group: compat-b\ndeadline: 2s\non-failure: reject")
                    .policy("groups:\n"
                            + "  - name: native-a\n    servers: [" + policyAddress + "]\n"
                            + "  - name: compat-b\n    mode: compat\n    servers: [127.0.0.1:" + auth.getAddress().getPort()
                            + "]\n    health-check: {path: /auth}\n"));
            try (RawHttp c = f.app.connect()) {
                c.send("GET /x HTTP/1.1\r\nHost: a.example.com\r\n\r\n");
                assertThat(c.read().header("x-backend")).as("tenant A: its native policy").isEqualTo("other");
                c.send("GET /x HTTP/1.1\r\nHost: b.example.com\r\n\r\n");
                RawHttp.Response b = c.read();
                assertThat(b.header("x-backend")).as("tenant B: its compat policy").isEqualTo("main-1");
                c.send("GET /broken HTTP/1.1\r\nHost: b.example.com\r\n\r\n");
                assertThat(c.read().status).as("tenant B rejects on failure").isEqualTo(503);
                f.policy.failMode(FailMode.status(502));
                c.send("GET /broken HTTP/1.1\r\nHost: a.example.com\r\n\r\n");
                RawHttp.Response a = c.read();
                assertThat(a.status).as("tenant A falls back on failure").isEqualTo(200);
                assertThat(a.header("x-policy-fallback")).isEqualTo("status");
            }
            assertThat(f.policy.stats().compatRequests()).isZero();
            assertThat(seen.get("uri")).isEqualTo("/broken");
        } finally {
            auth.stop(0);
        }
    }
}
