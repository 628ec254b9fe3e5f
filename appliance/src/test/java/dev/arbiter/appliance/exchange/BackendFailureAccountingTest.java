package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.ScriptedBackend;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.appliance.support.Wire;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which failures are the backend's, as passive ejection and {@code arbiter_backend_failures_total}
 * see them: a slow or stalled client upload is not; a response cut after its head is, and so is a
 * close-delimited body ended by a reset instead of a clean close.
 */
class BackendFailureAccountingTest {

    private static final String EJECT_AFTER_ONE = "retries: 0\npassive-ejection:\n  consecutive-failures: 1\n  ejection-time: 1h";

    @Test
    void shouldNotTimeOutOrBlameBackendWhileClientUploadsSlowly() throws Exception {
        try (ScriptedBackend b = new ScriptedBackend().on("/upload", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "response-header-timeout: 300ms\n" + EJECT_AFTER_ONE, b.address()).service("p")
                     .limits("idle-timeout: 2s"));
             RawHttp c = app.connect()) {
            c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n");
            for (int i = 0; i < 10; i++) {
                Thread.sleep(100); // the whole upload takes three response-header timeouts
                c.send("x");
            }
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.text()).isEqualTo("ok");
            assertThat(failures(app, b.address())).isZero();
            assertThat(up(app, b.address())).isEqualTo(1);
        }
    }

    @Test
    void shouldAnswer408AndKeepBackendWhenClientStopsSendingBody() throws Exception {
        try (ScriptedBackend b = new ScriptedBackend()
                .on("/upload", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .on("/after", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "response-header-timeout: 1s\n" + EJECT_AFTER_ONE, b.address()).service("p")
                     .limits("idle-timeout: 300ms"))) {
            for (int i = 0; i < 2; i++) {
                try (RawHttp c = app.connect()) {
                    c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc"); // and no more
                    RawHttp.Response r = c.read();
                    assertThat(r.status).isEqualTo(408);
                    assertThat(r.header("connection")).isEqualTo("close");
                    assertThat(c.closedByPeer()).isTrue();
                }
            }
            assertThat(app.metric("arbiter_rejected_requests_total{reason=\"body_timeout\",status=\"408\"}")).isEqualTo(2);
            assertThat(failures(app, b.address())).isZero();
            assertThat(up(app, b.address())).isEqualTo(1);
            try (RawHttp c = app.connect()) {
                assertThat(c.get("/after").status).as("the backend still takes traffic").isEqualTo(200);
            }
        }
    }

    @Test
    void shouldWaitForBackendsContinueWithoutBlamingClient() throws Exception {
        // The client holds its body until the backend says 100 Continue: that wait is the backend's.
        try (RawBackend b = new RawBackend((in, out) -> {
                Thread.sleep(600);
                out.write(ascii("HTTP/1.1 100 Continue\r\n\r\n"));
                out.flush();
                readExactly(in, 3);
                out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
                out.flush();
             });
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "response-header-timeout: 5s\n" + EJECT_AFTER_ONE, b.address()).service("p")
                     .limits("idle-timeout: 300ms"));
             RawHttp c = app.connect()) {
            c.send("POST /c HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
            assertThat(c.read().status).isEqualTo(100);
            c.send("abc");
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.text()).isEqualTo("ok");
        }
    }

    @Test
    void shouldRelayEarlyAnswerBeforeBodyEnds() throws Exception {
        try (RawBackend b = new RawBackend((in, out) -> {
                out.write(ascii("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbig\n"));
                out.flush();
             });
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "response-header-timeout: 5s\n" + EJECT_AFTER_ONE, b.address()).service("p")
                     .limits("idle-timeout: 5s"));
             RawHttp c = app.connect()) {
            c.send("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\nsome");
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(413);
            assertThat(r.text()).isEqualTo("big\n");
            assertThat(c.closedByPeer()).as("the rest of the body cannot be skipped").isTrue();
            assertThat(failures(app, b.address())).isZero();
        }
    }

    /** Responses cut after their head, each a different way; three in a row eject the backend. */
    @ParameterizedTest
    @ValueSource(strings = {"length-close", "length-reset", "chunked-close", "chunked-reset", "bad-chunk-size"})
    void shouldCountFailuresAfterResponseHeadAndEject(String how) throws Exception {
        try (RawBackend b = new RawBackend((in, out) -> {
                boolean chunked = how.startsWith("chunked") || how.equals("bad-chunk-size");
                out.write(ascii(chunked
                        ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                        : "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"));
                if (how.equals("bad-chunk-size")) {
                    out.write(ascii("zz\r\nmore\r\n"));
                }
                out.flush();
                Thread.sleep(50);
                return how.endsWith("reset");
             });
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "retries: 0\npassive-ejection:\n  consecutive-failures: 3\n  ejection-time: 1h", b.address())
                     .service("p"))) {
            for (int i = 0; i < 3; i++) {
                try (RawHttp c = app.connect()) {
                    RawHttp.Response r = c.get("/cut" + i);
                    assertThat(r.status).isEqualTo(200);
                    assertThat(r.complete).as("a cut response must not look complete").isFalse();
                }
            }
            assertThat(RunningAppliance.eventually(5, () -> failures(app, b.address()) == 3)).isTrue();
            assertThat(up(app, b.address())).isEqualTo(0);
            assertThat(b.accepted()).isEqualTo(3);
            try (RawHttp c = app.connect()) {
                assertThat(c.get("/next").status).as("ejected: nothing left to pick").isEqualTo(503);
            }
        }
    }

    @Test
    void shouldCutHttp11ClientWhenCloseDelimitedBodyEndsInReset() throws Exception {
        try (RawBackend b = closeDelimitedThenReset();
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", EJECT_AFTER_ONE, b.address())
                     .service("p"));
             RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/x");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.complete).as("no terminating chunk after a reset").isFalse();
            assertThat(r.text()).isEqualTo("close-delimited body cut by reset");
            assertThat(RunningAppliance.eventually(5, () -> failures(app, b.address()) == 1)).isTrue();
        }
    }

    @Test
    void shouldResetHttp10ClientWhenCloseDelimitedBodyEndsInReset() throws Exception {
        try (RawBackend b = closeDelimitedThenReset();
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", EJECT_AFTER_ONE, b.address())
                     .service("p"));
             Socket s = new Socket(app.address().getAddress(), app.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(ascii("GET /x HTTP/1.0\r\n\r\n"));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            boolean reset = false;
            try {
                int n;
                byte[] buf = new byte[4096];
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
            } catch (SocketException e) {
                reset = true;
            }
            assertThat(got.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 OK\r\n")
                    .endsWith("\r\n\r\nclose-delimited body cut by reset");
            assertThat(reset).as("a clean close would tell the client the body is complete").isTrue();
            assertThat(RunningAppliance.eventually(5, () -> failures(app, b.address()) == 1)).isTrue();
        }
    }

    @Test
    void shouldRelayCloseDelimitedBodyEndedByCleanClose() throws Exception {
        try (RawBackend b = new RawBackend((in, out) -> {
                out.write(ascii("HTTP/1.1 200 OK\r\n\r\nclean end"));
                return false;
             });
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", EJECT_AFTER_ONE, b.address())
                     .service("p"));
             RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/x");
            assertThat(r.complete).isTrue();
            assertThat(r.text()).isEqualTo("clean end");
            assertThat(failures(app, b.address())).isZero();
            assertThat(up(app, b.address())).isEqualTo(1);
        }
    }

    private static RawBackend closeDelimitedThenReset() throws IOException {
        return new RawBackend((in, out) -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nclose-delimited body cut by reset"));
            out.flush();
            Thread.sleep(100); // the body reaches the appliance before the reset does
            return true;
        });
    }

    private static double failures(RunningAppliance app, String backend) {
        try {
            return app.metric("arbiter_backend_failures_total{pool=\"p\",backend=\"" + backend + "\"}");
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double up(RunningAppliance app, String backend) throws IOException, InterruptedException {
        return app.metric("arbiter_backend_up{pool=\"p\",backend=\"" + backend + "\"}");
    }

    private static byte[] ascii(String s) {
        return Wire.bytes(s);
    }

    private static void readExactly(InputStream in, int n) throws IOException {
        if (in.readNBytes(n).length != n) {
            throw new IOException("request body cut short");
        }
    }

    /**
     * A backend that reads one request head per connection and hands the socket to a script;
     * the connection then closes, with a reset (SO_LINGER 0) if the script returns true.
     */
    private static final class RawBackend implements AutoCloseable {

        interface Script {
            boolean answer(InputStream in, OutputStream out) throws Exception;
        }

        interface Answer {
            void answer(InputStream in, OutputStream out) throws Exception;
        }

        private final ServerSocket server;
        private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

        RawBackend(Answer answer) throws IOException {
            this((Script) (in, out) -> {
                answer.answer(in, out);
                return false;
            });
        }

        RawBackend(Script script) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        accepted.incrementAndGet();
                        Thread conn = new Thread(() -> serve(s, script), "raw-backend-conn");
                        conn.setDaemon(true);
                        conn.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "raw-backend");
            t.setDaemon(true);
            t.start();
        }

        private static void serve(Socket s, Script script) {
            try (s) {
                InputStream in = s.getInputStream();
                if (Wire.readHead(in) == null) {
                    return;
                }
                if (script.answer(in, s.getOutputStream())) {
                    s.setSoLinger(true, 0);
                }
            } catch (Exception e) {
                // the appliance went away first: nothing more to send
            }
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
