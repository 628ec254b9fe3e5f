package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import dev.arbiter.tools.backend.ReceivedRequest;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProxyBehaviourTest {

    private DemoBackend a;
    private DemoBackend b;
    private RunningAppliance app;

    @BeforeEach
    void start() throws Exception {
        a = DemoBackend.start("a");
        b = DemoBackend.start("b");
        app = RunningAppliance.start(TestConfig.create()
                .pool("main", "algorithm: round-robin", a.address(), b.address())
                .pool("other", "", b.address())
                .service("api", "[\"api.example.com\"]", "/", "other")
                .service("shop", "[\"*\"]", "/", "main"));
    }

    @AfterEach
    void stop() throws Exception {
        app.close();
        a.close();
        b.close();
    }

    private ReceivedRequest nextReceived() throws InterruptedException {
        ReceivedRequest r = a.received().poll(5, TimeUnit.SECONDS);
        return r != null ? r : b.received().poll(5, TimeUnit.SECONDS);
    }

    @Test
    void shouldForwardRequestAndStreamResponseBack() throws Exception {
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/hello?x=1");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.text()).contains("uri=/hello?x=1");
            assertThat(r.header("via")).isEqualTo("1.1 arbiter");
        }
    }

    /** An IPv6 listener, and the client named in X-Forwarded-For the way the policy summary names it. */
    @Test
    void shouldServeIpv6ClientsAndNameThemInTheShortForm() throws Exception {
        try (RunningAppliance v6 = RunningAppliance.start(TestConfig.create()
                .listener("::1")
                .pool("main", "", a.address())
                .service("main"));
             RawHttp c = v6.connect()) {
            assertThat(v6.address().getAddress().getHostAddress()).as("bound on IPv6 loopback").contains(":");
            c.send("GET /v6 HTTP/1.1\r\nHost: shop\r\nX-Forwarded-For: 2001:db8::7\r\n\r\n");
            assertThat(c.read().status).isEqualTo(200);
        }
        ReceivedRequest seen = a.received().poll(5, TimeUnit.SECONDS);
        assertThat(seen.uri()).isEqualTo("/v6");
        assertThat(seen.headers().get("x-forwarded-for")).isEqualTo("2001:db8::7, ::1");
    }

    @Test
    void shouldRemoveHopByHopHeadersAndSetForwardingHeadersTowardsBackend() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("GET /h HTTP/1.1\r\nHost: shop\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
                    + "Keep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Authorization: Basic eA==\r\n"
                    + "Trailer: X-T\r\nX-Forwarded-For: 198.51.100.7\r\nX-Kept: yes\r\n\r\n");
            assertThat(c.read().status).isEqualTo(200);
        }
        ReceivedRequest seen = nextReceived();
        assertThat(seen.headers().contains("x-secret")).isFalse();
        assertThat(seen.headers().contains("keep-alive")).isFalse();
        assertThat(seen.headers().contains("te")).isFalse();
        assertThat(seen.headers().contains("upgrade")).isFalse();
        assertThat(seen.headers().contains("proxy-authorization")).isFalse();
        assertThat(seen.headers().contains("trailer")).isFalse();
        assertThat(seen.headers().get("connection")).isNull();
        assertThat(seen.headers().get("x-kept")).isEqualTo("yes");
        assertThat(seen.headers().get("host")).isEqualTo("shop");
        assertThat(seen.headers().get("x-forwarded-for")).isEqualTo("198.51.100.7, 127.0.0.1");
        assertThat(seen.headers().get("x-forwarded-proto")).isEqualTo("http");
        assertThat(seen.headers().get("via")).isEqualTo("1.1 arbiter");
    }

    @Test
    void shouldRemoveHopByHopHeadersFromResponses() throws Exception {
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/r?hdr=Connection:x-internal&hdr=X-Internal:secret&hdr=Keep-Alive:timeout%3D9"
                    + "&hdr=Proxy-Authenticate:Basic&hdr=X-Public:ok");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("x-internal")).isNull();
            assertThat(r.header("keep-alive")).isNull();
            assertThat(r.header("proxy-authenticate")).isNull();
            assertThat(r.header("connection")).isNull();
            assertThat(r.header("x-public")).isEqualTo("ok");
            // the connection stays usable: the backend's hop-by-hop fields did not leak into ours
            assertThat(c.get("/again").status).isEqualTo(200);
        }
    }

    @Test
    void shouldAnswerPipelinedRequestsInOrder() throws Exception {
        try (RawHttp c = app.connect()) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                // the first answers late, the others at once: order must still hold
                String delay = i == 0 ? "&delay-ms=300" : "";
                batch.append("GET /p?n=").append(i).append(delay).append(" HTTP/1.1\r\nHost: shop\r\n\r\n");
            }
            c.send(batch.toString());
            for (int i = 0; i < 6; i++) {
                RawHttp.Response r = c.read();
                assertThat(r.status).isEqualTo(200);
                assertThat(r.text()).contains("uri=/p?n=" + i);
            }
        }
    }

    @Test
    void shouldServeManyRequestsOnOneKeepAliveConnection() throws Exception {
        try (RawHttp c = app.connect()) {
            for (int i = 0; i < 50; i++) {
                assertThat(c.get("/k" + i).status).isEqualTo(200);
            }
        }
        assertThat(a.requestCount() + b.requestCount()).isEqualTo(50);
    }

    @Test
    void shouldRouteByHostToTheMatchingVirtualService() throws Exception {
        try (RawHttp c = app.connect()) {
            for (int i = 0; i < 4; i++) {
                c.send("GET /x HTTP/1.1\r\nHost: API.example.com:8080\r\n\r\n");
                assertThat(c.read().header("x-backend")).isEqualTo("b");
            }
        }
    }

    @Test
    void shouldStreamChunkedUploadToBackendIntact() throws Exception {
        byte[] chunk = "0123456789abcdef".repeat(1000).getBytes();
        CRC32 crc = new CRC32();
        try (RawHttp c = app.connect()) {
            c.send("POST /up HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 20; i++) {
                c.send(Integer.toHexString(chunk.length) + "\r\n");
                c.send(chunk);
                c.send("\r\n");
                crc.update(chunk);
            }
            c.send("0\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.text()).contains("body-bytes=" + (20 * chunk.length))
                    .contains("crc32=" + Long.toHexString(crc.getValue()));
        }
    }

    @Test
    void shouldNotSendBodyForHeadRequests() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("HEAD /h?bytes=1000 HTTP/1.1\r\nHost: shop\r\n\r\n");
            RawHttp.Response r = c.readHead();
            assertThat(r.status).isEqualTo(200);
            // the next response must parse cleanly: no stray body bytes from the HEAD
            assertThat(c.get("/after").text()).contains("uri=/after");
        }
    }

    @Test
    void shouldKeepHttp10ClientsWorking() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("GET /old HTTP/1.0\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.text()).contains("uri=/old");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void shouldCloseWhenClientAsksForClose() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("GET /bye HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void shouldAnswer404WhenNoVirtualServiceMatches() throws Exception {
        try (RunningAppliance only = RunningAppliance.start(TestConfig.create()
                .pool("p", "", a.address()).service("one", "[\"only.example.com\"]", "/", "p"));
             RawHttp c = only.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: other.example.com\r\n\r\n");
            assertThat(c.read().status).isEqualTo(404);
            c.send("GET / HTTP/1.1\r\nHost: only.example.com\r\n\r\n");
            assertThat(c.read().status).isEqualTo(200);
        }
    }

    @Test
    void shouldPassInterimContinueThrough() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("POST /c HTTP/1.1\r\nHost: shop\r\nContent-Length: 5\r\n\r\nhello");
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.text()).contains("body-bytes=5");
        }
    }
}
