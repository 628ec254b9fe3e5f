package dev.arbiter.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.ApplianceProcess;
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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar's {@code --admin-address-file}, as the image's unit runs it: the scripts behind
 * {@code systemctl reload} and the boot check find the running admin API there, not in a config
 * file that may have been edited since the start.
 */
class AdminAddressFileIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void shouldNameTheBoundAdminAddressWhileRunningAndRemoveItOnExit() throws Exception {
        try (DemoBackend backend = DemoBackend.start("b")) {
            Path config = dir.resolve("appliance.yaml");
            // Port 0: only the bound socket knows the port; the config file cannot tell it.
            Files.writeString(config, TestConfig.create().pool("p", "", backend.address()).service("p")
                    .admin("address: 127.0.0.1\nport: 0").yaml());
            Path file = dir.resolve("admin-address");
            try (ApplianceProcess app = ApplianceProcess.start(config, List.of("--admin-address-file", file.toString()), Map.of())) {
                assertThat(RunningAppliance.eventually(30, () -> Files.exists(file))).as(app.log()).isTrue();
                String line = Files.readString(file);
                assertThat(line).matches("127\\.0\\.0\\.1:[1-9][0-9]*\n");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
                String admin = line.strip();
                assertThat(get(admin, "/readyz").statusCode()).as(app.log()).isEqualTo(200);

                // The admin section edited but not restarted into: the file still names the live
                // socket, and a reload through it reports what needs a restart.
                int other = ApplianceProcess.freePort();
                Files.writeString(config, Files.readString(config).replace("port: 0", "port: " + other));
                HttpResponse<String> reload = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + admin + "/reload"))
                        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
                assertThat(reload.body()).contains("admin changed: takes effect after a restart");
                assertThat(Files.readString(file)).isEqualTo(line);

                app.process().destroy(); // SIGTERM, as systemctl stop sends
                assertThat(app.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(file).as(app.log()).doesNotExist();
                assertThat(dir.toFile().list()).as("no temporary file left").containsExactlyInAnyOrder("appliance.yaml");
            }
        }
    }

    @Test
    void shouldRemoveTheFileWhenADrainEndsTheProcess() throws Exception {
        try (DemoBackend backend = DemoBackend.start("b")) {
            Path config = dir.resolve("appliance.yaml");
            Files.writeString(config, TestConfig.create().pool("p", "", backend.address()).service("p").yaml());
            Path file = dir.resolve("admin-address");
            try (ApplianceProcess app = ApplianceProcess.start(config, List.of("--admin-address-file", file.toString()), Map.of())) {
                assertThat(RunningAppliance.eventually(30, () -> Files.exists(file))).as(app.log()).isTrue();
                HttpResponse<String> drain = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + Files.readString(file).strip() + "/drain"))
                        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(drain.statusCode()).isEqualTo(202);
                assertThat(app.process().waitFor(30, TimeUnit.SECONDS)).as(app.log()).isTrue();
                assertThat(app.process().exitValue()).isZero();
                assertThat(file).doesNotExist();
            }
        }
    }

    @Test
    void shouldStopWithExit3WhenTheFileCannotBeWritten() throws Exception {
        try (DemoBackend backend = DemoBackend.start("b")) {
            Path config = dir.resolve("appliance.yaml");
            int port = ApplianceProcess.freePort();
            Files.writeString(config, TestConfig.create().pool("p", "", backend.address()).service("p")
                    .admin("address: 127.0.0.1\nport: " + port).yaml());
            Path file = dir.resolve("no-such-dir").resolve("admin-address");
            try (ApplianceProcess app = ApplianceProcess.start(config, List.of("--admin-address-file", file.toString()), Map.of())) {
                assertThat(app.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(app.process().exitValue()).as(app.log()).isEqualTo(3);
                assertThat(app.log()).contains("--admin-address-file " + file + ": cannot write it");
                assertThat(bound(port)).as("the admin socket was closed with the rest").isFalse();
            }
        }
    }

    @Test
    void shouldRefuseTheFileWithCheckConfig() throws Exception {
        ApplianceProcess.Result r = ApplianceProcess.run(null, "--check-config", "x.yaml", "--admin-address-file", "f");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("--admin-address-file needs --config");
    }

    private static HttpResponse<String> get(String hostPort, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static boolean bound(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
