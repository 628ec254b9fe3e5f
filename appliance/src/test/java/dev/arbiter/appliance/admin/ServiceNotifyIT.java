package dev.arbiter.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.ApplianceProcess;
import dev.arbiter.appliance.support.NotifySocket;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shipped jar under a service manager's environment ($NOTIFY_SOCKET, $WATCHDOG_USEC), as
 * systemd runs it in the image's {@code Type=notify} unit: READY=1 once serving, WATCHDOG=1
 * pings, STOPPING=1 on SIGTERM; an environment it cannot use stops it before it starts.
 */
class ServiceNotifyIT {

    @Test
    void shouldReportReadyFeedTheWatchdogAndReportStopping() throws Exception {
        String name = "@arbiter-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (DemoBackend backend = DemoBackend.start("b");
             NotifySocket systemd = NotifySocket.bound(name, SystemdNotifier.sockaddrUn(name))) {
            Path file = config(backend);
            try (ApplianceProcess app = ApplianceProcess.start(file,
                    Map.of("NOTIFY_SOCKET", name, "WATCHDOG_USEC", "400000"))) {
                // Watchdog pings may come first: they run from the start, READY=1 once serving.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                String first = systemd.receive(30_000);
                while ("WATCHDOG=1".equals(first) && System.nanoTime() < deadline) {
                    first = systemd.receive(30_000);
                }
                assertThat(first).as(app.log()).isEqualTo("READY=1");
                List<String> next = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    next.add(systemd.receive(5_000));
                }
                assertThat(next).as(app.log()).containsOnly("WATCHDOG=1");

                app.process().destroy(); // SIGTERM, as systemctl stop sends
                String last = null;
                for (String m = systemd.receive(10_000); m != null; m = systemd.receive(2_000)) {
                    last = m;
                    if (m.equals("STOPPING=1")) {
                        break;
                    }
                }
                assertThat(last).as(app.log()).isEqualTo("STOPPING=1");
                assertThat(app.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    @Test
    void shouldRefuseToStartOnAWatchdogIntervalItCannotRead() throws Exception {
        try (DemoBackend backend = DemoBackend.start("b")) {
            Path file = config(backend);
            try (ApplianceProcess app = ApplianceProcess.start(file,
                    Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "ten"))) {
                assertThat(app.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(app.process().exitValue()).isEqualTo(3);
                assertThat(app.log()).contains("WATCHDOG_USEC=ten is not a number of microseconds");
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    private static Path config(DemoBackend backend) throws Exception {
        String yaml = TestConfig.create().pool("p", "", backend.address()).service("p")
                .admin("address: 127.0.0.1\nport: " + ApplianceProcess.freePort()).yaml();
        Path file = Files.createTempFile("notify", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
