package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.ScriptedBackend;
import dev.arbiter.appliance.support.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the appliance writes to a backend for a client's request, and how backend responses of
 * every framing reach the client; what a malformed one does to the client and to the backend
 * connection.
 */
class ResponseRelayTest {

    private ScriptedBackend backend;
    private RunningAppliance app;

    @BeforeEach
    void start() throws Exception {
        backend = new ScriptedBackend()
                .on("/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kind: chunked\r\n\r\n"
                        + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n")
                .on("/until-close", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nthe body ends when the backend closes"
                        + ScriptedBackend.CLOSE)
                .on("/length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive, x-hop\r\nX-Hop: 1\r\n\r\nok")
                .on("/head", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                .on("/folded", "HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 2\r\n\r\nok")
                .on("/extra", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n")
                .on("/broken-mid-body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n")
                .on("/close-after", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        app = RunningAppliance.start(TestConfig.create().pool("p", "retries: 0", backend.address()).service("p"));
    }

    @AfterEach
    void stop() throws Exception {
        app.close();
        backend.close();
    }

    @Test
    void shouldSendTheBackendTheRequestAsHttp11WithItsChunksAndTrailers() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("POST /length?q=1 HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n"
                    + "X-Forwarded-For: 198.51.100.7\r\n\r\n5;ext=1\r\nhello\r\n3\r\n!!!\r\n0\r\nX-Checksum: 42\r\n\r\n");
            assertThat(c.read().text()).isEqualTo("ok");
        }
        assertThat(backend.nextRequest()).isEqualTo("POST /length?q=1 HTTP/1.1\r\nHost: shop\r\n"
                + "Transfer-Encoding: chunked\r\nx-forwarded-for: 198.51.100.7, 127.0.0.1\r\nx-forwarded-proto: http\r\n"
                + "via: 1.1 arbiter\r\n\r\n5\r\nhello\r\n3\r\n!!!\r\n0\r\nX-Checksum: 42\r\n\r\n");
    }

    @Test
    void shouldSendAContentLengthBodyAsItCame() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("PUT /length HTTP/1.0\r\nContent-Length: 7\r\nConnection: keep-alive\r\n\r\npayload");
            assertThat(c.read().text()).isEqualTo("ok");
        }
        assertThat(backend.nextRequest()).isEqualTo("PUT /length HTTP/1.1\r\nContent-Length: 7\r\n"
                + "host: " + backend.address() + "\r\nx-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\nvia: 1.1 arbiter\r\n\r\npayload");
    }

    @Test
    void shouldRelayAChunkedResponseAndKeepBothConnections() throws Exception {
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/chunked");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.complete).isTrue();
            assertThat(r.text()).isEqualTo("hello, world");
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.header("via")).isEqualTo("1.1 arbiter");
            assertThat(r.header("x-kind")).isEqualTo("chunked");
            assertThat(c.get("/chunked").text()).isEqualTo("hello, world");
        }
        assertThat(backend.accepted()).as("one backend connection, reused").isEqualTo(1);
    }

    @Test
    void shouldReframeABodyThatEndsWithTheBackendsCloseAsChunked() throws Exception {
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/until-close");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.complete).isTrue();
            assertThat(r.text()).isEqualTo("the body ends when the backend closes");
            assertThat(c.get("/length").text()).as("the client connection stays open").isEqualTo("ok");
        }
    }

    @Test
    void shouldGiveHttp10ClientsThePlainBodyAndClose() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("GET /chunked HTTP/1.0\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(r.text()).isEqualTo("hello, world");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void shouldDropTheFieldsTheBackendsConnectionFieldNames() throws Exception {
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/length");
            assertThat(r.text()).isEqualTo("ok");
            assertThat(r.header("x-hop")).isNull();
            assertThat(r.header("connection")).isNull();
        }
    }

    @Test
    void shouldRelayTheAnswerToHeadWithoutABody() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("HEAD /head HTTP/1.1\r\nHost: t\r\n\r\n");
            RawHttp.Response r = c.readHead();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("content-length")).isEqualTo("1000");
            assertThat(c.get("/length").text()).as("nothing was left on the connection").isEqualTo("ok");
        }
        assertThat(backend.accepted()).isEqualTo(1);
    }

    @Test
    void shouldAnswer502ToAMalformedBackendResponse() throws Exception {
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/folded");
            assertThat(r.status).isEqualTo(502);
            assertThat(r.text()).contains("malformed");
            assertThat(c.get("/length").text()).as("the client connection survives").isEqualTo("ok");
        }
        assertThat(backend.accepted()).as("the offending backend connection was closed").isEqualTo(2);
    }

    @Test
    void shouldCutTheClientWhenTheBodyTurnsMalformed() throws Exception {
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/broken-mid-body");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.complete).as("a broken response never looks complete").isFalse();
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void shouldNotReuseABackendConnectionThatSentBytesPastItsResponse() throws Exception {
        try (RawHttp c = app.connect()) {
            assertThat(c.get("/extra").text()).isEqualTo("ok");
            assertThat(c.get("/length").text()).isEqualTo("ok");
        }
        assertThat(backend.accepted()).isEqualTo(2);
    }

    @Test
    void shouldNotReuseABackendConnectionTheBackendClosesAfterItsResponse() throws Exception {
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/close-after");
            assertThat(r.text()).isEqualTo("ok");
            assertThat(r.header("connection")).as("the backend's close is its own hop's").isNull();
            assertThat(c.get("/length").text()).isEqualTo("ok");
        }
        assertThat(backend.accepted()).isEqualTo(2);
    }
}
