package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.ScriptedBackend;
import dev.arbiter.appliance.support.TestConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backend responses that break or stretch the rules of RFC 9110 and 9112, and what a client
 * sees of them through the appliance: the appliance's own version on every status line, no
 * interim answers for an HTTP/1.0 client, no 101 nobody asked for, no status outside 100..599,
 * and no chunk framing or trailers that a reader downstream could take apart differently.
 */
class ResponseConformanceTest {

    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    /** Chunk framing and trailers the appliance must not pass on, by path. */
    private static final String[][] LOOSE_CHUNKS = {
        {"/ext-bare-cr", "2;a\rb\r\nok\r\n0\r\n\r\n", "a\rb"},
        {"/trailer-bare-cr", "2\r\nok\r\n0\r\nX-T: a\rX-Evil: 1\r\n\r\n", "X-Evil"},
        {"/trailer-folded", "2\r\nok\r\n0\r\nX-T: a\r\n folded\r\n\r\n", "folded"},
        {"/trailer-not-a-field", "2\r\nok\r\n0\r\nthis is not a field\r\nBad Name: x\r\n\r\n", "not a field"},
        {"/bare-lf", "2\nok\n0\n\n", "2\nok"},
        {"/size-garbage", "2 garbage\r\nok\r\n0\r\n\r\n", "garbage"},
    };

    private ScriptedBackend backend;
    private RunningAppliance app;

    @BeforeEach
    void start() throws Exception {
        backend = new ScriptedBackend()
                .on("/v10-until-close", "HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nclose-delimited body" + ScriptedBackend.CLOSE)
                .on("/v10-chunked", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
                .on("/v10-length", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .on("/early-hints", "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .on("/continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .on("/switch", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                        + "RAW-PROTOCOL-BYTES")
                .on("/status-600", "HTTP/1.1 600 X\r\nContent-Length: 2\r\n\r\nok")
                .on("/status-999", "HTTP/1.1 999 X\r\nContent-Length: 2\r\n\r\nok")
                .on("/length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        for (String[] c : LOOSE_CHUNKS) {
            backend.on(c[0], CHUNKED + c[1]);
        }
        app = RunningAppliance.start(TestConfig.create().pool("p", "retries: 0", backend.address()).service("p"));
    }

    @AfterEach
    void stop() throws Exception {
        app.close();
        backend.close();
    }

    @Test
    void shouldRelayAnHttp10BackendsStatusLineAsHttp11InEveryFraming() throws Exception {
        Exchange untilClose = exchange("GET /v10-until-close HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        assertThat(untilClose.text).startsWith("HTTP/1.1 200 OK\r\n").contains("transfer-encoding: chunked\r\n")
                .endsWith("\r\n\r\n14\r\nclose-delimited body\r\n0\r\n\r\n");
        Exchange chunked = exchange("GET /v10-chunked HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        assertThat(chunked.text).startsWith("HTTP/1.1 200 OK\r\n").contains("Transfer-Encoding: chunked\r\n")
                .endsWith("\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        Exchange length = exchange("GET /v10-length HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        assertThat(length.text).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 2\r\n").endsWith("\r\n\r\nok");
    }

    @Test
    void shouldSendNoInterimResponseToAnHttp10Client() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("GET /early-hints HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status).as("the 103 was left out").isEqualTo(200);
            assertThat(r.text()).isEqualTo("ok");
            c.send("GET /continue HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            r = c.read();
            assertThat(r.status).as("the 100 was left out").isEqualTo(200);
            assertThat(r.text()).isEqualTo("ok");
        }
        Exchange hints = exchange("GET /early-hints HTTP/1.0\r\n\r\n");
        assertThat(hints.text).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("103").endsWith("\r\n\r\nok");
    }

    @Test
    void shouldStillRelayInterimResponsesToAnHttp11Client() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("GET /early-hints HTTP/1.1\r\nHost: t\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(103);
            assertThat(r.header("link")).isEqualTo("</s.css>; rel=preload");
            assertThat(c.read().text()).isEqualTo("ok");
        }
    }

    @Test
    void shouldAnswer502ToA101NobodyAskedForAndCloseTheBackendConnection() throws Exception {
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/switch");
            assertThat(r.status).isEqualTo(502);
            assertThat(r.text()).contains("malformed").doesNotContain("RAW-PROTOCOL-BYTES");
            assertThat(c.get("/length").text()).as("the client connection carries on as HTTP").isEqualTo("ok");
        }
        assertThat(backend.accepted()).as("the backend connection that switched was closed").isEqualTo(2);
        assertThat(responsesReach("5xx", 1)).as("the 502 is counted").isTrue();
        assertThat(responses("1xx")).as("nothing counted as an interim response").isZero();
        assertThat(backendFailures()).isEqualTo(1);
    }

    @Test
    void shouldAnswer502ToAStatusAbove599AndCountIt() throws Exception {
        try (RawHttp c = app.connect()) {
            for (String path : new String[] {"/status-600", "/status-999"}) {
                RawHttp.Response r = c.get(path);
                assertThat(r.status).as(path).isEqualTo(502);
                assertThat(r.text()).as(path).contains("malformed");
            }
            assertThat(c.get("/length").text()).isEqualTo("ok");
        }
        assertThat(backend.accepted()).as("each offending backend connection was closed").isEqualTo(3);
        assertThat(responsesReach("2xx", 1)).isTrue();
        assertThat(responses("5xx")).isEqualTo(2);
        assertThat(backendFailures()).isEqualTo(2);
    }

    @Test
    void shouldCutTheClientWhenChunkFramingOrTrailersAreLoose() throws Exception {
        for (String[] c : LOOSE_CHUNKS) {
            Exchange e = exchange("GET " + c[0] + " HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(e.closed).as(c[0] + ": the client connection is cut").isTrue();
            assertThat(e.text).as(c[0]).doesNotContain(c[2]).doesNotEndWith("0\r\n\r\n");
            try (RawHttp next = app.connect()) {
                assertThat(next.get("/length").text()).isEqualTo("ok");
            }
        }
        assertThat(backend.accepted()).as("every offending backend connection was closed").isEqualTo(LOOSE_CHUNKS.length + 1);
    }

    private double responses(String cls) throws Exception {
        return app.metric("arbiter_responses_total{service=\"svc\",class=\"" + cls + "\"}");
    }

    /** Waits until the event loop's count of {@code cls} responses reaches {@code expected}. */
    private boolean responsesReach(String cls, double expected) throws Exception {
        return RunningAppliance.eventually(5, () -> {
            try {
                return responses(cls) == expected;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private double backendFailures() throws Exception {
        return app.metric("arbiter_backend_failures_total{pool=\"p\",backend=\"" + backend.address() + "\"}");
    }

    /** What came back for one request, byte for byte, and whether the appliance closed the connection. */
    private record Exchange(String text, boolean closed) {
    }

    /** Sends {@code request} on a new connection and reads until the appliance closes it, or for at most 3 s. */
    private Exchange exchange(String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(app.address(), 5000);
            s.setSoTimeout(3000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            boolean closed;
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    closed = false;
                    break;
                } catch (SocketException e) {
                    closed = true; // reset
                    break;
                }
                if (n < 0) {
                    closed = true;
                    break;
                }
                got.write(buf, 0, n);
            }
            return new Exchange(got.toString(StandardCharsets.ISO_8859_1), closed);
        }
    }
}
