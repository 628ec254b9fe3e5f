package dev.arbiter.appliance.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.ApplianceProcess;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's {@code systemctl reload arbiter} script ({@code /usr/lib/arbiter/reload}) run from
 * the source tree against the shipped jar, started as the image's unit starts it (with
 * {@code --admin-address-file}); the paths the unit uses are pointed into a temporary directory.
 */
class ReloadScriptIT {

    private static final Path SCRIPTS = Path.of("..", "image", "rootfs", "usr", "lib", "arbiter").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void shouldReachTheRunningAdminApiAfterItsPortWasEditedInTheConfig() throws Exception {
        try (DemoBackend a = DemoBackend.start("a"); DemoBackend b = DemoBackend.start("b")) {
            Path config = dir.resolve("appliance.yaml");
            int adminPort = ApplianceProcess.freePort();
            Files.writeString(config, TestConfig.create().pool("p", "", a.address()).service("p")
                    .admin("address: 127.0.0.1\nport: " + adminPort).yaml());
            Path addressFile = dir.resolve("admin-address");
            try (ApplianceProcess app = ApplianceProcess.start(config, List.of("--admin-address-file", addressFile.toString()), Map.of())) {
                assertThat(RunningAppliance.eventually(30, () -> Files.exists(addressFile))).as(app.log()).isTrue();

                // A new pool and a new admin port: the pool is applied, the port waits for a restart.
                int editedPort = ApplianceProcess.freePort();
                Files.writeString(config, TestConfig.create().pool("p", "", b.address()).service("p")
                        .admin("address: 127.0.0.1\nport: " + editedPort).yaml());
                Run r = reload(config, addressFile);
                assertThat(r.exit).as(r.output).isZero();
                assertThat(r.output).contains("reloaded").contains("admin changed: takes effect after a restart");

                // Without the running appliance's file the script can only follow the edited
                // config, where nothing listens yet: it says so and fails.
                Run stale = reload(config, dir.resolve("absent"));
                assertThat(stale.exit).isEqualTo(1);
                assertThat(stale.output).contains("the admin API at 127.0.0.1:" + editedPort + " does not answer");

                Files.writeString(config, Files.readString(config).replace("pool: p", "pool: missing"));
                Run refused = reload(config, addressFile);
                assertThat(refused.exit).isEqualTo(1);
                assertThat(refused.output).contains("reload refused (400), still running on the previous config")
                        .contains(config + ":").contains("unknown pool 'missing'");
            }
        }
    }

    private record Run(int exit, String output) {
    }

    private Run reload(Path config, Path addressFile) throws IOException, InterruptedException {
        Path out = dir.resolve("reload.out");
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPTS.resolve("reload").toString())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("ARBITER_CONFIG", config.toString());
        pb.environment().put("ARBITER_ADMIN_FILE", addressFile.toString());
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("reload script did not exit within 90 s");
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}
