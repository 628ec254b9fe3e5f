package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The policy server is down when the appliance starts, on this host (loopback refuses a connect
 * at once): the warm-up tries each connection once and the policy path fails fast to the
 * fallback. Nor may a warm-up on a stopping loop, where every connect fails before it returns,
 * retry in a loop on the thread that owns the connections: that leaked a socket per turn and
 * wedged the thread (an event loop, with the loop hand-off).
 */
class PolicyServerDownAtStartTest {

    @ParameterizedTest(name = "{0}, hand-off {1}")
    @CsvSource({"nio, loop", "nio, ring", "epoll, loop", "epoll, ring", "io-uring, loop", "io-uring, ring"})
    void warmUpShouldTryOnceAndRequestsFallBack(String transport, String handOff) throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();  // free again once closed: nothing listens there
        }
        long fdsBefore = openFiles();
        try (DemoBackend backend = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .runtime("event-loop-cores: [0]\npin-threads: false\ntransport: " + transport + "\n")
                     .pool("p", "", backend.address())
                     .service("svc", "[\"*\"]", "/", "p", "group: g\ndeadline: 2s")
                     .policy("hand-off: " + handOff + "\ngroups:\n  - name: g\n    servers: [127.0.0.1:" + deadPort
                             + "]\n    connections-per-server: 4\n    health-check: {interval: 1h}\n"))) {
            Thread.sleep(500);
            // A warm-up that retried on the spot would have opened thousands of sockets by now.
            assertThat(openFiles() - fdsBefore).as("files opened since before the start").isLessThan(200);
            try (RawHttp c = app.connect()) {
                RawHttp.Response r = c.get("/x");
                assertThat(r.status).isEqualTo(200);
                assertThat(r.header("x-backend")).isEqualTo("b");
                assertThat(r.header("x-policy-fallback")).isNotNull();
            }
            // the warm-up's 4, and at most a few more for the request
            assertThat(app.metric("arbiter_policy_connects_total{group=\"g\"}")).isBetween(4.0, 10.0);
        }
    }

    /**
     * Stopped right after it started (a reload that replaces a group, an appliance stopped during
     * its start): the warm-up then runs on a loop that is shutting down, where every connect
     * fails before it returns. It must give up, not retry until the process runs out of files.
     */
    @RepeatedTest(5)
    void warmUpOnAStoppingLoopShouldGiveUp() throws Exception {
        long fdsBefore = openFiles();
        List<Thread> before = Thread.getAllStackTraces().keySet().stream().toList();
        for (int i = 0; i < 10; i++) {
            UnstartedStage stopped = new UnstartedStage();
            stopped.close();
            // its 2 connections (the default), each tried at most once; none if it stopped first
            assertThat(stopped.policy.groupStats().connects.sum()).as("connects of stage %d", i).isLessThanOrEqualTo(2);
        }
        assertThat(openFiles() - fdsBefore).as("files left open by 10 stopped stages").isLessThan(50);
        // and no policy I/O thread is left spinning
        assertThat(RunningAppliance.eventually(10, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> !before.contains(t) && t.getName().startsWith("arbiter-policy-io")))).isTrue();
    }

    private static long openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
