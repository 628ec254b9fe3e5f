package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each client limit answers with its documented status and counts in /metrics. */
class LimitsTest {

    private static DemoBackend backend;
    private static RunningAppliance app;

    @BeforeAll
    static void start() throws Exception {
        backend = DemoBackend.start("only");
        app = RunningAppliance.start(TestConfig.create()
                .pool("p", "", backend.address())
                .service("p")
                .limits("""
                        max-request-line: 256
                        max-header-size: 1KiB
                        max-header-count: 10
                        header-timeout: 300ms
                        idle-timeout: 400ms
                        max-requests-per-connection: 3
                        max-body-size: 1000
                        """));
    }

    @AfterAll
    static void stop() throws Exception {
        app.close();
        backend.close();
    }

    private RawHttp.Response sendAndRead(String raw) throws Exception {
        try (RawHttp c = app.connect()) {
            c.send(raw);
            RawHttp.Response r = c.read();
            assertThat(c.closedByPeer()).as("closed after " + r.status).isTrue();
            return r;
        }
    }

    @Test
    void shouldAnswer414ForTooLongRequestLine() throws Exception {
        assertThat(sendAndRead("GET /" + "a".repeat(400) + " HTTP/1.1\r\nHost: a\r\n\r\n").status).isEqualTo(414);
        assertThat(app.metric("arbiter_rejected_requests_total{reason=\"request_line_too_long\",status=\"414\"}"))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldAnswer431ForTooLargeHeader() throws Exception {
        assertThat(sendAndRead("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n").status)
                .isEqualTo(431);
        assertThat(app.metric("arbiter_rejected_requests_total{reason=\"header_too_large\",status=\"431\"}"))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldAnswer431ForTooManyHeaders() throws Exception {
        StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 11; i++) {
            sb.append("X-H").append(i).append(": v\r\n");
        }
        assertThat(sendAndRead(sb.append("\r\n").toString()).status).isEqualTo(431);
        assertThat(app.metric("arbiter_rejected_requests_total{reason=\"too_many_headers\",status=\"431\"}"))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldAnswer408WhenHeaderIsNotCompleteInTime() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("GET / HTTP/1.1\r\nHost: a\r\n"); // and never the blank line
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(408);
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    /** A loop with no connections parks its deadline sweep; the next connection must re-arm it. */
    @Test
    void shouldAnswer408OnALoopWhoseSweepHadParked() throws Exception {
        try (DemoBackend b = DemoBackend.start("parked");
             RunningAppliance quiet = RunningAppliance.start(TestConfig.create()
                     .pool("p", "", b.address()).service("p").limits("header-timeout: 300ms\n"))) {
            LoopContext loop = quiet.appliance().loopContexts().get(0);
            assertThat(RunningAppliance.eventually(10, () -> !sweepArmed(loop))).as("parked while idle").isTrue();
            try (RawHttp c = quiet.connect()) {
                c.send("GET / HTTP/1.1\r\nHost: a\r\n");
                assertThat(c.read().status).isEqualTo(408);
                assertThat(c.closedByPeer()).isTrue();
            }
        }
    }

    private static boolean sweepArmed(LoopContext loop) {
        try {
            return loop.eventLoop().submit(loop::sweepArmed).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldAnswer413ForDeclaredBodyOverLimit() throws Exception {
        assertThat(sendAndRead("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n").status).isEqualTo(413);
    }

    @Test
    void shouldAnswer413ForChunkedBodyOverLimit() throws Exception {
        try (RawHttp c = app.connect()) {
            c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
            c.send("400\r\n" + "x".repeat(1024) + "\r\n"); // 1024 > 1000
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(413);
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void shouldCloseIdleKeepAliveConnections() throws Exception {
        try (RawHttp c = app.connect()) {
            assertThat(c.get("/").status).isEqualTo(200);
            c.readTimeoutMillis(5000);
            assertThat(c.closedByPeer()).as("idle connection closed by the appliance").isTrue();
        }
    }

    @Test
    void shouldCloseAfterMaxRequestsPerConnection() throws Exception {
        try (RawHttp c = app.connect()) {
            assertThat(c.get("/1").header("connection")).isNull();
            assertThat(c.get("/2").header("connection")).isNull();
            RawHttp.Response third = c.get("/3");
            assertThat(third.status).isEqualTo(200);
            assertThat(third.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void shouldRefuseConnectionsOverTheGlobalCap() throws Exception {
        try (RunningAppliance capped = RunningAppliance.start(TestConfig.create()
                .pool("p", "", backend.address()).service("p").limits("max-client-connections: 1\n"));
             RawHttp first = capped.connect()) {
            assertThat(first.get("/").status).isEqualTo(200);
            try (RawHttp second = capped.connect()) {
                RawHttp.Response r = second.read();
                assertThat(r.status).isEqualTo(503);
                assertThat(second.closedByPeer()).isTrue();
            }
            assertThat(first.get("/still-served").status).isEqualTo(200);
            assertThat(capped.metric("arbiter_client_connections_refused_total")).isEqualTo(1);
        }
    }

    @Test
    void shouldAnswer503WhenBackendConnectionCapIsReached() throws Exception {
        try (DemoBackend slow = DemoBackend.start("slow");
             RunningAppliance capped = RunningAppliance.start(TestConfig.create()
                     .pool("p", "", "address: " + slow.address() + "\nmax-connections: 1").service("p"));
             RawHttp first = capped.connect();
             RawHttp second = capped.connect()) {
            first.send("GET /?delay-ms=1500 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(RunningAppliance.eventually(5, () -> slow.openConnections() == 1)).isTrue();
            RawHttp.Response r = second.get("/");
            assertThat(r.status).isEqualTo(503);
            assertThat(r.text()).contains("connection limit");
            assertThat(first.read().status).isEqualTo(200);
        }
    }
}
