package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import dev.arbiter.tools.backend.DemoBackend.Behaviour;
import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** What the client sees when a backend stalls, resets or is not there; bounded, documented answers. */
class BackendFailureTest {

    /** A loopback port with nothing listening (bound, then released). */
    static String deadAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    @Test
    void shouldAnswer504WhenBackendStallsPastResponseHeaderTimeout() throws Exception {
        try (DemoBackend b = DemoBackend.start("stall");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "response-header-timeout: 300ms\nretries: 0", b.address()).service("p"));
             RawHttp c = app.connect()) {
            b.behaviour(Behaviour.STALL);
            RawHttp.Response r = c.get("/slow");
            assertThat(r.status).isEqualTo(504);
            b.behaviour(Behaviour.NORMAL);
            assertThat(c.get("/fine").status).as("client connection still usable").isEqualTo(200);
        }
    }

    @Test
    void shouldAnswer502WhenConnectTimesOut() throws Exception {
        // A listener that never accepts, with its accept queue filled: further SYNs go unanswered,
        // so a connect hangs until the appliance's connect-timeout.
        try (ServerSocket blackhole = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.List<java.net.Socket> fillers = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    java.net.Socket s = new java.net.Socket();
                    try {
                        s.connect(blackhole.getLocalSocketAddress(), 200);
                        fillers.add(s);
                    } catch (IOException full) {
                        s.close();
                        break;
                    }
                }
                try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                        .pool("p", "connect-timeout: 300ms\nretries: 0", "127.0.0.1:" + blackhole.getLocalPort()).service("p"));
                     RawHttp c = app.connect()) {
                    RawHttp.Response r = c.get("/x");
                    assertThat(r.status).isEqualTo(502);
                    assertThat(r.text()).contains("cannot connect");
                }
            } finally {
                for (java.net.Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void shouldAnswer502WhenBackendResetsBeforeResponseHeader() throws Exception {
        try (DemoBackend b = DemoBackend.start("reset");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "retries: 0", b.address()).service("p"));
             RawHttp c = app.connect()) {
            b.behaviour(Behaviour.RESET_BEFORE_HEADER);
            assertThat(c.get("/x").status).isEqualTo(502);
        }
    }

    @Test
    void shouldCutClientConnectionWhenBackendResetsMidResponse() throws Exception {
        try (DemoBackend b = DemoBackend.start("cut");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "retries: 0", b.address()).service("p"));
             RawHttp c = app.connect()) {
            b.behaviour(Behaviour.RESET_AFTER_HEADER);
            RawHttp.Response r = c.get("/x");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.complete).as("body must not look complete").isFalse();
            assertThat(r.body.length).isLessThan(1_000_000);
        }
    }

    @Test
    void shouldRetryIdempotentRequestOnAnotherBackendWhenConnectFails() throws Exception {
        try (DemoBackend good = DemoBackend.start("good");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "retries: 1\npassive-ejection:\n  consecutive-failures: 0", deadAddress(), good.address())
                     .service("p"));
             RawHttp c = app.connect()) {
            for (int i = 0; i < 6; i++) {
                RawHttp.Response r = c.get("/r" + i);
                assertThat(r.status).isEqualTo(200);
                assertThat(r.header("x-backend")).isEqualTo("good");
            }
        }
    }

    @Test
    void shouldRetryIdempotentRequestWhenBackendResetsBeforeAnswering() throws Exception {
        try (DemoBackend bad = DemoBackend.start("bad");
             DemoBackend good = DemoBackend.start("good");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "retries: 1", bad.address(), good.address()).service("p"));
             RawHttp c = app.connect()) {
            bad.behaviour(Behaviour.RESET_BEFORE_HEADER);
            for (int i = 0; i < 4; i++) {
                assertThat(c.get("/g" + i).status).isEqualTo(200);
            }
        }
    }

    @Test
    void shouldNotRetryPostWithBodyAfterItWasSent() throws Exception {
        try (DemoBackend bad = DemoBackend.start("bad");
             DemoBackend good = DemoBackend.start("good");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "retries: 3", bad.address(), good.address()).service("p"));
             RawHttp c = app.connect()) {
            bad.behaviour(Behaviour.RESET_BEFORE_HEADER);
            c.send("POST /once HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
            assertThat(c.read().status).isEqualTo(502); // round-robin sends the first request to "bad"
            assertThat(good.requestCount()).isZero();
        }
    }

    @Test
    void shouldAnswer503AtOnceWhenNoBackendIsAvailable() throws Exception {
        String dead = deadAddress();
        try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                .pool("p", "retries: 0\npassive-ejection:\n  consecutive-failures: 1\n  ejection-time: 1h", dead)
                .service("p"));
             RawHttp c = app.connect()) {
            assertThat(c.get("/first").status).isEqualTo(502); // the connect failure ejects the only backend
            RawHttp.Response r = c.get("/second");
            assertThat(r.status).isEqualTo(503);
            assertThat(r.text()).contains("no healthy backend");
            assertThat(app.metric("arbiter_backend_up{pool=\"p\",backend=\"" + dead + "\"}")).isEqualTo(0);
        }
    }

    @Test
    void shouldEjectBackendAfterRunOf5xxAndSendTrafficElsewhere() throws Exception {
        try (DemoBackend failing = DemoBackend.start("failing");
             DemoBackend good = DemoBackend.start("good");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "passive-ejection:\n  consecutive-failures: 3\n  ejection-time: 1h",
                             failing.address(), good.address()).service("p"));
             RawHttp c = app.connect()) {
            failing.behaviour(Behaviour.FAIL_500);
            int fiveHundreds = 0;
            for (int i = 0; i < 20; i++) {
                if (c.get("/e" + i).status == 500) {
                    fiveHundreds++;
                }
            }
            assertThat(fiveHundreds).isEqualTo(3);
            assertThat(app.metric("arbiter_backend_up{pool=\"p\",backend=\"" + failing.address() + "\"}")).isEqualTo(0);
        }
    }
}
