package dev.arbiter.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.ApplianceProcess;
import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** POST /drain on the shipped jar: in-flight work finishes, then the process exits with 0. */
class DrainIT {

    @Test
    void shouldFinishInFlightRequestsAndExit() throws Exception {
        try (DemoBackend backend = DemoBackend.start("b")) {
            int port = ApplianceProcess.freePort();
            int admin = ApplianceProcess.freePort();
            String yaml = TestConfig.create().pool("p", "", backend.address()).service("p")
                    .admin("address: 127.0.0.1\nport: " + admin + "\ndrain-timeout: 20s")
                    .yaml().replace("port: 0\n", "port: " + port + "\n");
            Path file = Files.createTempFile("drain", ".yaml");
            Files.writeString(file, yaml);
            HttpClient http = HttpClient.newHttpClient();
            try (ApplianceProcess app = ApplianceProcess.start(file)) {
                assertThat(RunningAppliance.eventually(30, () -> {
                    try {
                        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/readyz")).build(),
                                HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                    } catch (Exception e) {
                        return false;
                    }
                })).as(app.log()).isTrue();
                try (RawHttp busy = new RawHttp(new InetSocketAddress("127.0.0.1", port))) {
                    busy.send("GET /slow?delay-ms=1000 HTTP/1.1\r\nHost: a\r\n\r\n");
                    assertThat(RunningAppliance.eventually(10, () -> backend.requestCount() == 1)).isTrue();
                    HttpResponse<String> drain = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + admin + "/drain")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(drain.statusCode()).isEqualTo(202);
                    RawHttp.Response r = busy.read();
                    assertThat(r.status).isEqualTo(200);
                    assertThat(r.header("connection")).isEqualTo("close");
                }
                assertThat(app.process().waitFor(30, TimeUnit.SECONDS)).as(app.log()).isTrue();
                assertThat(app.process().exitValue()).isZero();
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
