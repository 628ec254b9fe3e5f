package dev.arbiter.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.appliance.support.NotifySocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The notify protocol's sending side against a real AF_UNIX datagram socket, as systemd binds it. */
class SystemdNotifierTest {

    @Test
    void shouldSendStatesToTheSocketPathSystemdNamed() throws Exception {
        Path dir = Files.createTempDirectory("notify");
        String name = dir.resolve("notify.sock").toString();
        try (NotifySocket systemd = NotifySocket.bound(name, SystemdNotifier.sockaddrUn(name));
             SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", name), 1)) {
            assertThat(notifier.send("READY=1")).isNull();
            assertThat(notifier.send("WATCHDOG=1")).isNull();
            assertThat(systemd.receive(5_000)).isEqualTo("READY=1");
            assertThat(systemd.receive(5_000)).isEqualTo("WATCHDOG=1");
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void shouldReachAnAbstractSocketByItsExactName() throws Exception {
        String name = "@arbiter-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        // a socket whose name merely starts like the notifier's must not receive its datagrams
        try (NotifySocket longer = NotifySocket.bound(name + "x", SystemdNotifier.sockaddrUn(name + "x"));
             NotifySocket systemd = NotifySocket.bound(name, SystemdNotifier.sockaddrUn(name));
             SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", name), 1)) {
            assertThat(notifier.send("READY=1")).isNull();
            assertThat(systemd.receive(5_000)).isEqualTo("READY=1");
            assertThat(longer.receive(300)).isNull();
        }
    }

    @Test
    void shouldSayWhyWhenNothingListens() throws Exception {
        Path dir = Files.createTempDirectory("notify");
        String name = dir.resolve("gone.sock").toString();
        try (SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", name), 1)) {
            assertThat(notifier.send("READY=1")).contains("sendto(" + name + ")").contains("errno");
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void shouldNotifyNothingOutsideANotifyUnit() {
        assertThat(SystemdNotifier.fromEnvironment(Map.of(), 1)).isNull();
        assertThat(SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", ""), 1)).isNull();
    }

    @Test
    void shouldTakeTheWatchdogIntervalOnlyWhenItIsMeantForThisProcess() {
        Map<String, String> forUs = Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "10000000",
                "WATCHDOG_PID", "42");
        assertThat(SystemdNotifier.fromEnvironment(forUs, 42).watchdogMicros()).isEqualTo(10_000_000);
        assertThat(SystemdNotifier.fromEnvironment(forUs, 43).watchdogMicros()).isZero();
        assertThat(SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/systemd/notify",
                "WATCHDOG_USEC", "3000000"), 43).watchdogMicros()).isEqualTo(3_000_000);
        assertThat(SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/systemd/notify"), 43)
                .watchdogMicros()).isZero();
    }

    @Test
    void shouldRejectAnEnvironmentItCannotUse() {
        assertThatThrownBy(() -> SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/n",
                "WATCHDOG_USEC", "10s"), 1)).hasMessage("WATCHDOG_USEC=10s is not a number of microseconds");
        assertThatThrownBy(() -> SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/n",
                "WATCHDOG_USEC", "0"), 1)).hasMessage("WATCHDOG_USEC=0 must be above 0");
        assertThatThrownBy(() -> SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "run/notify"), 1))
                .hasMessage("NOTIFY_SOCKET=run/notify is neither an absolute path nor @abstract");
        String tooLong = "/" + "x".repeat(107);
        assertThatThrownBy(() -> SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", tooLong), 1))
                .hasMessageContaining("is longer than 108 bytes");
    }
}
