package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The appliance against a policy server written byte by byte on a loopback socket: answers framed
 * the ways HTTP/1.1 allows (an interim 100, chunked bodies written in pieces, a body ended by the
 * close) are read and carried out; a garbled status line is an {@code invalid-response} failure.
 */
class PolicyAnswerFramingTest {

    private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");

    /** How the raw server frames each decision answer. */
    enum Framing { CHUNKED_IN_PIECES, UNTIL_CLOSE, GARBLED }

    /** A policy server that reads native calls and answers every id with "forward to other-pool". */
    static final class RawPolicyServer implements AutoCloseable {
        final ServerSocket server;
        final Framing framing;
        final List<Socket> open = new ArrayList<>();
        volatile int calls;

        RawPolicyServer(Framing framing) throws IOException {
            this.framing = framing;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::acceptLoop, "raw-policy-server");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    synchronized (open) {
                        open.add(s);
                    }
                    Thread t = new Thread(() -> serve(s), "raw-policy-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    if (head.startsWith("GET /v1/health")) {
                        out.write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        return;
                    }
                    Matcher m = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
                    byte[] body = in.readNBytes(m.find() ? Integer.parseInt(m.group(1)) : 0);
                    calls++;
                    StringBuilder json = new StringBuilder("{\"decisions\":[");
                    Matcher ids = ID.matcher(new String(body, StandardCharsets.UTF_8));
                    String sep = "";
                    while (ids.find()) {
                        json.append(sep).append("{\"id\":").append(ids.group(1))
                                .append(",\"action\":\"forward\",\"pool\":\"other-pool\"}");
                        sep = ",";
                    }
                    byte[] answer = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
                    switch (framing) {
                        case CHUNKED_IN_PIECES -> {
                            piece(out, "HTTP/1.1 100 Continue\r\n\r\n");
                            piece(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n");
                            piece(out, "Transfer-Encoding: chunked\r\n\r\n");
                            int half = answer.length / 2;
                            piece(out, Integer.toHexString(half) + ";piece=1\r\n");
                            out.write(answer, 0, half);
                            piece(out, "\r\n" + Integer.toHexString(answer.length - half) + "\r\n");
                            out.write(answer, half, answer.length - half);
                            piece(out, "\r\n0\r\nX-Trailer: done\r\n\r\n");
                        }
                        case UNTIL_CLOSE -> {
                            piece(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
                            out.write(answer);
                            out.flush();
                            return;
                        }
                        case GARBLED -> piece(out, "HTTP/1.1 OK 200\r\nContent-Length: 0\r\n\r\n");
                        default -> throw new IllegalStateException();
                    }
                }
            } catch (IOException | InterruptedException gone) {
                // the appliance closed the connection, or the test ended
            }
        }

        /** One write and a short pause, so the appliance reads the answer in pieces. */
        private static void piece(OutputStream out, String s) throws IOException, InterruptedException {
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(2);
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                    return head.toString(StandardCharsets.US_ASCII);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (open) {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }

    private static void run(Framing framing, String expectBackend, String expectFallback) throws Exception {
        try (DemoBackend main = DemoBackend.start("main-1");
             DemoBackend other = DemoBackend.start("other");
             RawPolicyServer policy = new RawPolicyServer(framing);
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("main", "algorithm: round-robin", main.address())
                     .pool("other-pool", "", other.address())
                     .service("svc", "[\"*\"]", "/", "main", "group: g\ndeadline: 2s\non-failure: fallback")
                     .policy("groups:\n  - name: g\n    mode: native\n    servers: [127.0.0.1:" + policy.port() + "]\n"
                             + "    health-check: {interval: 100ms, timeout: 500ms}\n"
                             + "    circuit-breaker: {failures: 1000}\n"))) {
            for (int i = 0; i < 5; i++) {
                try (RawHttp c = app.connect()) {
                    RawHttp.Response r = c.get("/x" + i);
                    assertThat(r.status).isEqualTo(200);
                    assertThat(r.header("x-backend")).as(framing + ", request " + i).startsWith(expectBackend);
                    assertThat(r.header("x-policy-fallback")).isEqualTo(expectFallback);
                }
            }
            assertThat(policy.calls).isGreaterThanOrEqualTo(framing == Framing.GARBLED ? 1 : 5);
        }
    }

    @Test
    void shouldCarryOutDecisionsFromChunkedAnswersReadInPiecesAfterAnInterimAnswer() throws Exception {
        run(Framing.CHUNKED_IN_PIECES, "other", null);
    }

    @Test
    void shouldCarryOutADecisionWhoseBodyEndsWithTheClose() throws Exception {
        run(Framing.UNTIL_CLOSE, "other", null);
    }

    @Test
    void shouldFallBackWhenTheStatusLineIsGarbled() throws Exception {
        run(Framing.GARBLED, "main", FailureReason.INVALID_RESPONSE.token().toLowerCase(Locale.ROOT));
    }
}
