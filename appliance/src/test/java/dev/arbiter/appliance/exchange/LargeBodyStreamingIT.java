package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.ApplianceProcess;
import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 256 MiB each way through the shipped jar running with a 48 MiB heap and 32 MiB of direct
 * memory: only a streaming proxy can pass it, one that buffered a body whole would die.
 */
class LargeBodyStreamingIT {

    private static final long SIZE = 256L * 1024 * 1024;

    private static DemoBackend backend;
    private static ApplianceProcess appliance;
    private static InetSocketAddress address;

    @BeforeAll
    static void start() throws Exception {
        backend = DemoBackend.start("big");
        int port = ApplianceProcess.freePort();
        int admin = ApplianceProcess.freePort();
        String yaml = TestConfig.create()
                .pool("p", "response-header-timeout: 2m", backend.address()).service("p")
                .limits("max-body-size: 1GiB")
                .admin("address: 127.0.0.1\nport: " + admin)
                .yaml().replace("port: 0\n", "port: " + port + "\n");
        Path file = Files.createTempFile("large-body", ".yaml");
        Files.writeString(file, yaml);
        appliance = ApplianceProcess.start(file, "-Xmx48m", "-XX:MaxDirectMemorySize=32m");
        address = new InetSocketAddress("127.0.0.1", port);
        boolean up = RunningAppliance.eventually(30, () -> {
            try (Socket s = new Socket(address.getAddress(), port)) {
                return s.isConnected();
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(up).as("appliance started: " + appliance.log()).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        appliance.close();
        backend.close();
    }

    @Test
    void shouldStreamA256MiBUploadIntact() throws Exception {
        try (RawHttp c = new RawHttp(address)) {
            c.send("POST /upload HTTP/1.1\r\nHost: big\r\nContent-Length: " + SIZE + "\r\n\r\n");
            CRC32 crc = new CRC32();
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < block.length; i++) {
                block[i] = (byte) (i * 31 + 7);
            }
            OutputStream out = c.output();
            for (long sent = 0; sent < SIZE; sent += block.length) {
                out.write(block);
                crc.update(block);
            }
            out.flush();
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.text()).contains("body-bytes=" + SIZE).contains("crc32=" + Long.toHexString(crc.getValue()));
        }
        assertThat(appliance.process().isAlive()).as(appliance.log()).isTrue();
    }

    @Test
    void shouldStreamA256MiBDownloadIntact() throws Exception {
        try (RawHttp c = new RawHttp(address)) {
            c.send("GET /download?bytes=" + SIZE + " HTTP/1.1\r\nHost: big\r\n\r\n");
            // read the head by hand, then count the body without keeping it
            c.readTimeoutMillis(60_000);
            RawHttp.Response head = c.readHead();
            assertThat(head.status).isEqualTo(200);
            assertThat(head.header("content-length")).isEqualTo(Long.toString(SIZE));
            assertThat(c.drain(SIZE)).isEqualTo(SIZE);
            assertThat(c.get("/after").status).as("connection reusable after the big body").isEqualTo(200);
        }
        assertThat(appliance.process().isAlive()).as(appliance.log()).isTrue();
    }
}
