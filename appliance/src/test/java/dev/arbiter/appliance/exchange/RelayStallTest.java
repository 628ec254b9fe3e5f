package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.appliance.support.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A response that stops moving is cut after {@code idle-timeout}: a backend that sends part of
 * a body and then nothing (charged to the backend), and a client that reads nothing of a large
 * response (not charged to it). Without the bound, both connections were held until a peer
 * closed.
 */
class RelayStallTest {

    @Test
    void aBackendThatStallsMidBodyShouldBeCutAndCharged() throws Exception {
        CountDownLatch backendSawClose = new CountDownLatch(1);
        try (ServerSocket backend = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            serve(backend, out -> {
                out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"));
                out.flush();
            }, backendSawClose, null);
            try (RunningAppliance app = RunningAppliance.start(config(backend));
                 Socket client = new Socket(app.address().getAddress(), app.address().getPort())) {
                client.setSoTimeout(10_000);
                client.getOutputStream().write(ascii("GET /stall HTTP/1.1\r\nHost: a\r\n\r\n"));
                long start = System.nanoTime();
                String got = readAll(client.getInputStream());
                assertThat(got).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nonly ten b");
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                        .as("cut after idle-timeout, not left waiting").isBetween(900L, 8_000L);
                assertThat(backendSawClose.await(5, TimeUnit.SECONDS)).as("the backend connection is closed").isTrue();
                assertThat(app.metric("arbiter_backend_failures_total{pool=\"p\",backend=\"127.0.0.1:"
                        + backend.getLocalPort() + "\"}")).isEqualTo(1.0);
            }
        }
    }

    @Test
    void aClientThatReadsNothingShouldBeCutWithoutChargingTheBackend() throws Exception {
        CountDownLatch backendSawClose = new CountDownLatch(1);
        AtomicBoolean backendDone = new AtomicBoolean();
        try (ServerSocket backend = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            serve(backend, out -> {
                int size = 256 * 1024 * 1024;
                out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n"));
                byte[] chunk = new byte[65536];
                for (int left = size; left > 0; left -= chunk.length) {
                    out.write(chunk);
                }
                backendDone.set(true);
            }, backendSawClose, backendDone);
            try (RunningAppliance app = RunningAppliance.start(config(backend));
                 Socket client = new Socket(app.address().getAddress(), app.address().getPort())) {
                client.setReceiveBufferSize(64 * 1024);
                client.getOutputStream().write(ascii("GET /big HTTP/1.1\r\nHost: a\r\n\r\n"));
                assertThat(backendSawClose.await(10, TimeUnit.SECONDS))
                        .as("the appliance gave up on a client that reads nothing").isTrue();
                assertThat(backendDone.get()).isFalse();
                assertThat(app.metric("arbiter_backend_failures_total{pool=\"p\",backend=\"127.0.0.1:"
                        + backend.getLocalPort() + "\"}")).isZero();
            }
        }
    }

    /** Everything until the connection ends (a FIN or a reset). */
    private static String readAll(InputStream in) {
        StringBuilder b = new StringBuilder();
        try {
            for (int c; (c = in.read()) >= 0; ) {
                b.append((char) c);
            }
        } catch (IOException e) {
            // cut with a reset: what came before it is the answer
        }
        return b.toString();
    }

    private static TestConfig config(ServerSocket backend) {
        return TestConfig.create().pool("p", "retries: 0", "127.0.0.1:" + backend.getLocalPort()).service("p")
                .limits("idle-timeout: 1s");
    }

    interface Answer {
        void write(OutputStream out) throws IOException;
    }

    /** One connection: reads the request head, answers, then waits for the appliance to close it. */
    private static void serve(ServerSocket server, Answer answer, CountDownLatch sawClose, AtomicBoolean unused) {
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                if (Wire.readHead(in) == null) {
                    return;
                }
                try {
                    answer.write(s.getOutputStream());
                    s.setSoTimeout(20_000);
                    if (in.read() < 0) {
                        sawClose.countDown();
                    }
                } catch (IOException e) {
                    sawClose.countDown(); // a write or read failed: the appliance closed
                }
            } catch (IOException e) {
                // the server socket closed
            }
        }, "relay-stall-backend");
        t.setDaemon(true);
        t.start();
    }

    private static byte[] ascii(String s) {
        return Wire.bytes(s);
    }
}
