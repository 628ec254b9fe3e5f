package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.appliance.support.Wire;
import dev.arbiter.tools.backend.DemoBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Two calls pipelined on one policy connection, the first for a request with a short deadline
 * that the server answers late: when the first call's deadline passes, the connection is closed,
 * and the second call, whose request still has time, goes out again on another connection and
 * is decided there; it is not failed with the first call's timeout.
 */
class PipelinedCallTimeoutTest {

    private static final Pattern CALL = Pattern.compile("\"id\":(\\d+),.*?\"path\":\"([^\"]*)\"");

    @Test
    void aCallQueuedBehindALateOneShouldBeSentAgainAndDecided() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket policy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             DemoBackend b = DemoBackend.start("b")) {
            Thread t = new Thread(() -> acceptLoop(policy, connections), "pipelined-policy-server");
            t.setDaemon(true);
            t.start();
            try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                         .pool("p", "", b.address())
                         .service("slow", "[\"*\"]", "/slow", "p", "group: g\ndeadline: 100ms\non-failure: fallback")
                         .service("ok", "[\"*\"]", "/ok", "p", "group: g\ndeadline: 3s\non-failure: fallback")
                         .policy("groups:\n  - name: g\n    servers: [127.0.0.1:" + policy.getLocalPort() + "]\n"
                                 + "    connections-per-server: 1\n    batches-in-flight-per-connection: 4\n"
                                 + "    health-check: {interval: 1h}\n    circuit-breaker: {failures: 1000}\n"));
                 RawHttp slow = app.connect();
                 RawHttp ok = app.connect()) {
                slow.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
                Thread.sleep(30);
                ok.send("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n");
                RawHttp.Response r = ok.read();
                assertThat(r.status).as("decided by the policy on the second connection").isEqualTo(403);
                assertThat(r.header("x-policy-fallback")).isNull();
                RawHttp.Response s = slow.read();
                assertThat(s.status).isEqualTo(200);
                assertThat(s.header("x-policy-fallback")).isEqualTo("timeout");
                assertThat(connections.get()).isGreaterThanOrEqualTo(2);
            }
        }
    }

    private static void acceptLoop(ServerSocket server, AtomicInteger connections) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "pipelined-policy-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Answers calls in order; a call that asks about /slow is answered after 600 ms. */
    private static void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String call = readCall(in);
                if (call == null) {
                    return;
                }
                StringBuilder decisions = new StringBuilder("{\"decisions\":[");
                Matcher m = CALL.matcher(call);
                boolean late = false;
                for (int i = 0; m.find(); i++) {
                    late |= m.group(2).equals("/slow");
                    decisions.append(i == 0 ? "" : ",").append("{\"id\":").append(m.group(1)).append(',')
                            .append(m.group(2).equals("/ok") ? "\"action\":\"respond\",\"status\":403" : "\"action\":\"default\"")
                            .append('}');
                }
                if (late) {
                    Thread.sleep(600);
                }
                byte[] body = decisions.append("]}").toString().getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the appliance closed the connection
        }
    }

    /** One request (head and Content-Length body), or null at the end of the stream. */
    private static String readCall(InputStream in) throws IOException {
        String h = Wire.readHead(in);
        if (h == null) {
            return null;
        }
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
