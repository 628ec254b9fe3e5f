package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.appliance.support.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A response the appliance closes the connection after while the client is still sending (an
 * early answer from the backend, a refusal of the appliance's own) reaches the client: the
 * appliance shuts its write side and drains what still comes, where a plain close with unread
 * bytes would reset the connection and the client's kernel would drop the response unread.
 */
class LingeringCloseTest {

    private static final byte[] MORE_BODY = new byte[256 * 1024];
    private static final byte[] CHUNK = new byte[64 * 1024];

    @Test
    void anEarlyAnswerFromTheBackendShouldReachAClientStillSendingItsBody() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> answerEarly(backend), "early-answer-backend");
            t.setDaemon(true);
            t.start();
            try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "", "127.0.0.1:" + backend.getLocalPort()).service("p"));
                 RawHttp c = app.connect()) {
                c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n");
                c.send(new byte[64 * 1024]);
                keepSending(c);
                RawHttp.Response r = c.read();
                assertThat(r.status).isEqualTo(413);
                assertThat(r.text()).isEqualTo("big\n");
                assertThat(r.header("connection")).as("the head says the connection ends").isEqualTo("close");
                assertThat(c.endedCleanly()).as("end of stream, not a reset").isTrue();
                // Lingering: what the client still sends is read and dropped, so its writes go
                // through (after a plain close the first bytes draw a reset, the next write fails) ...
                for (int i = 0; i < 16; i++) {
                    c.send(CHUNK);
                    Thread.sleep(10);
                }
                // ... for a bounded time, then the connection is closed.
                Thread.sleep(2500);
                boolean failed = false;
                for (int i = 0; i < 16 && !failed; i++) {
                    try {
                        c.send(CHUNK);
                        Thread.sleep(10);
                    } catch (IOException e) {
                        failed = true;
                    }
                }
                assertThat(failed).as("the appliance closed after lingering").isTrue();
            }
        }
    }

    /**
     * The hard case: an early answer larger than the client's receive window, so its tail still
     * sits in the appliance's send queue when the appliance is done writing, while the client
     * keeps uploading. A plain close then resets the connection and the kernel drops that tail.
     */
    @Test
    void aLargeEarlyAnswerShouldArriveWholeWhileTheClientKeepsUploading() throws Exception {
        int size = 32 * 1024 * 1024;
        try (ServerSocket backend = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> answerEarly(backend, size), "early-answer-backend");
            t.setDaemon(true);
            t.start();
            try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "", "127.0.0.1:" + backend.getLocalPort()).service("p"));
                 Socket client = new Socket(app.address().getAddress(), app.address().getPort())) {
                OutputStream out = client.getOutputStream();
                out.write("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                Thread uploader = new Thread(() -> {
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    try {
                        for (int i = 0; i < 4000 && System.nanoTime() < deadline; i++) {
                            out.write(MORE_BODY, 0, 16 * 1024);
                        }
                    } catch (IOException e) {
                        // the appliance closed: the upload ends here
                    }
                }, "uploader");
                uploader.setDaemon(true);
                uploader.start();
                Thread.sleep(1000);
                client.setSoTimeout(10_000);
                InputStream in = client.getInputStream();
                String head = Wire.readHead(in);
                assertThat(head).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
                long got = 0;
                byte[] buf = new byte[65536];
                boolean reset = false;
                try {
                    for (int n; got < size && (n = in.read(buf)) >= 0; ) {
                        got += n;
                    }
                    reset = in.read() >= 0;
                } catch (IOException e) {
                    reset = true;
                }
                assertThat(got).as("body bytes before the connection ended").isEqualTo(size);
                assertThat(reset).as("the connection ended with a reset").isFalse();
                uploader.join(15_000);
            }
        }
    }

    @Test
    void theAppliancesOwnRefusalShouldReachAClientStillSendingItsBody() throws Exception {
        try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                 .pool("p", "", "127.0.0.1:9").service("p").limits("max-body-size: 1MiB"));
             RawHttp c = app.connect()) {
            c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n");
            c.send(new byte[64 * 1024]);
            keepSending(c);
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(413);
            assertThat(c.endedCleanly()).as("end of stream, not a reset").isTrue();
        }
    }

    /** More body after the appliance has answered and closed: what turns a plain close into a reset. */
    private static void keepSending(RawHttp c) throws InterruptedException {
        Thread.sleep(300);
        for (int i = 0; i < 4; i++) {
            try {
                c.send(MORE_BODY);
            } catch (IOException e) {
                return; // the appliance stopped reading: fine, as long as the response was kept
            }
        }
        Thread.sleep(100);
    }

    private static void answerEarly(ServerSocket server) {
        answerEarly(server, 0);
    }

    /**
     * Reads a request head, answers 413 at once without reading the body (with {@code bodySize}
     * bytes of body, else "big\n"), and reads on until the appliance closes.
     */
    private static void answerEarly(ServerSocket server, int bodySize) {
        try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            if (Wire.readHead(in) == null) {
                return;
            }
            OutputStream out = s.getOutputStream();
            if (bodySize == 0) {
                out.write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nbig\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write(("HTTP/1.1 413 Payload Too Large\r\nContent-Length: " + bodySize + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                Thread writer = new Thread(() -> {
                    try {
                        byte[] chunk = new byte[65536];
                        for (int left = bodySize; left > 0; left -= chunk.length) {
                            out.write(chunk, 0, Math.min(left, chunk.length));
                        }
                        out.flush();
                    } catch (IOException e) {
                        // the appliance closed
                    }
                }, "early-answer-body");
                writer.setDaemon(true);
                writer.start();
            }
            out.flush();
            byte[] sink = new byte[65536];
            while (in.read(sink) >= 0) {
                // keep reading what the appliance forwards until it closes
            }
        } catch (IOException e) {
            // the appliance closed the connection
        }
    }
}
