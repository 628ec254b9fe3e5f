package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.tools.backend.ReceivedRequest;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each decision action end to end, as the client and the backends see it. */
class PolicyActionsTest {

    private static final String RULES = """
            rules:
              - name: deny
                match: {path-prefix: /deny}
                respond: {status: 403, headers: {content-type: text/plain, x-why: policy}, body: "denied by policy\\n"}
              - name: redirect
                match: {path-prefix: /old}
                respond: {status: 302, headers: {location: /new}}
              - name: to-other-pool
                match: {path-prefix: /other}
                forward: {pool: other-pool}
              - name: canonical
                match: {path-prefix: /catalog}
                rewrite: {drop-query-params: [sid, _, "utm_*"]}
                forward: {set-headers: {x-tenant: blue}, remove-headers: [cookie]}
              - name: rewrite-path
                match: {path-prefix: /v1/}
                rewrite: {path: /v2/items, query: ""}
            no-match: {default: true}
            """;

    private static PolicyFixture f;

    @BeforeAll
    static void start() throws Exception {
        f = PolicyFixture.start(RULES, "group: g\ndeadline: 2s\nheaders: [cookie]");
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    private static ReceivedRequest seenByMain() throws InterruptedException {
        ReceivedRequest r = f.main1.received().poll(2, TimeUnit.SECONDS);
        return r != null ? r : f.main2.received().poll(2, TimeUnit.SECONDS);
    }

    @Test
    void forwardShouldRewriteQueryAndChangeHeadersAsTheBackendSees() throws Exception {
        f.main1.received().clear();
        f.main2.received().clear();
        try (RawHttp c = f.app.connect()) {
            c.send("GET /catalog?item=5&sid=abc&utm_source=mail&_=123 HTTP/1.1\r\nHost: shop\r\nCookie: s=1\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("x-policy-fallback")).isNull();
        }
        ReceivedRequest seen = seenByMain();
        assertThat(seen.uri()).isEqualTo("/catalog?item=5");
        assertThat(seen.headers().get("x-tenant")).isEqualTo("blue");
        assertThat(seen.headers().contains("cookie")).isFalse();
    }

    @Test
    void forwardShouldRewritePathAndDropQuery() throws Exception {
        f.main1.received().clear();
        f.main2.received().clear();
        try (RawHttp c = f.app.connect()) {
            assertThat(c.get("/v1/items?page=2").status).isEqualTo(200);
        }
        assertThat(seenByMain().uri()).isEqualTo("/v2/items");
    }

    @Test
    void forwardShouldSendToTheNamedPool() throws Exception {
        try (RawHttp c = f.app.connect()) {
            for (int i = 0; i < 4; i++) {
                assertThat(c.get("/other/" + i).header("x-backend")).isEqualTo("other");
            }
        }
    }

    @Test
    void respondShouldAnswerTheClientAndNeverReachABackend() throws Exception {
        int before = f.main1.requestCount() + f.main2.requestCount() + f.other.requestCount();
        try (RawHttp c = f.app.connect()) {
            RawHttp.Response r = c.get("/deny/this");
            assertThat(r.status).isEqualTo(403);
            assertThat(r.text()).isEqualTo("denied by policy\n");
            assertThat(r.header("x-why")).isEqualTo("policy");
            RawHttp.Response redirect = c.get("/old/page");
            assertThat(redirect.status).isEqualTo(302);
            assertThat(redirect.header("location")).isEqualTo("/new");
            assertThat(c.get("/after").status).as("connection stays usable").isEqualTo(200);
        }
        assertThat(f.main1.requestCount() + f.main2.requestCount() + f.other.requestCount()).isEqualTo(before + 1);
    }

    @Test
    void respondShouldDiscardTheRequestBodyAndKeepTheConnection() throws Exception {
        try (RawHttp c = f.app.connect()) {
            c.send("POST /deny HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world");
            assertThat(c.read().status).isEqualTo(403);
        }
    }

    @Test
    void defaultShouldLetTheLocalAlgorithmRoute() throws Exception {
        try (RawHttp c = f.app.connect()) {
            String first = c.get("/plain").header("x-backend");
            String second = c.get("/plain").header("x-backend");
            assertThat(first).isNotEqualTo(second).startsWith("main");
        }
    }

    @Test
    void pipelinedRequestsShouldKeepTheirOrderAcrossDecisions() throws Exception {
        try (RawHttp c = f.app.connect()) {
            c.send("GET /deny HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /other/x HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /plain?n=3 HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /old HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /catalog?sid=1 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.read().status).isEqualTo(403);
            assertThat(c.read().header("x-backend")).isEqualTo("other");
            assertThat(c.read().text()).contains("uri=/plain?n=3");
            assertThat(c.read().status).isEqualTo(302);
            assertThat(c.read().text()).contains("uri=/catalog ");
        }
    }

    @Test
    void bodyShouldBeHeldWhileTheDecisionIsPendingAndArriveIntact() throws Exception {
        f.policy.latencyMs(150);
        try (RawHttp c = f.app.connect()) {
            byte[] body = new byte[300_000];
            for (int i = 0; i < body.length; i++) {
                body[i] = (byte) (i * 7);
            }
            CRC32 crc = new CRC32();
            crc.update(body);
            c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length + "\r\n\r\n");
            c.send(body);
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("x-policy-fallback")).isNull();
            assertThat(r.text()).contains("body-bytes=" + body.length).contains("crc32=" + Long.toHexString(crc.getValue()));
        } finally {
            f.policy.latencyMs(0);
        }
    }
}
