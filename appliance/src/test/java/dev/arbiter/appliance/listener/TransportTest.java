package dev.arbiter.appliance.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.arbiter.appliance.config.Transport;
import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import dev.arbiter.tools.backend.DemoBackend.Behaviour;
import io.netty.channel.epoll.Epoll;
import java.net.SocketTimeoutException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The same proxy behaviour over every transport the kernel allows. */
class TransportTest {

    @ParameterizedTest
    @EnumSource(Transport.class)
    void shouldProxyOverEachTransport(Transport transport) throws Exception {
        assumeAvailable(transport);
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .runtime("event-loop-cores: [0, 1]\npin-threads: false\ntransport: " + yamlName(transport))
                     .pool("p", "", b.address()).service("p"))) {
            proxyOnFourConnections(app);
        }
    }

    /**
     * The reset races the last response bytes into the appliance (io_uring reading after a multishot
     * POLLIN lost it about every other time), so one try proves little: each try is a new backend
     * connection.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void shouldCutClientConnectionWhenBackendResetsMidResponseOverEachTransport(Transport transport) throws Exception {
        assumeAvailable(transport);
        try (DemoBackend b = DemoBackend.start("cut");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .runtime("event-loop-cores: [0]\npin-threads: false\ntransport: " + yamlName(transport))
                     // Every cut counts against the backend: without this, the fifth would eject it.
                     .pool("p", "retries: 0\npassive-ejection:\n  consecutive-failures: 0", b.address()).service("p"))) {
            b.behaviour(Behaviour.RESET_AFTER_HEADER);
            for (int i = 0; i < 20; i++) {
                try (RawHttp c = app.connect()) {
                    c.readTimeoutMillis(5000);
                    RawHttp.Response r;
                    try {
                        r = c.get("/cut" + i);
                    } catch (SocketTimeoutException e) {
                        throw new AssertionError("try " + i + ": the client connection was not cut within 5s", e);
                    }
                    assertThat(r.status).isEqualTo(200);
                    assertThat(r.complete).as("try %d: body must not look complete", i).isFalse();
                }
            }
        }
    }

    /**
     * The smallest receive ring io_uring allows here (16 buffers of at most 4 KiB per loop) under
     * 32 clients streaming bodies both ways at once: the ring runs dry again and again, and reads
     * wait for buffers; no byte may be lost, duplicated or reordered.
     */
    @Test
    void shouldLoseNothingWhenTheIoUringReceiveRingRunsDry() throws Exception {
        assumeAvailable(Transport.IO_URING);
        byte[] upload = new byte[200_000];
        new java.util.Random(7).nextBytes(upload);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(upload);
        String expect = "body-bytes=" + upload.length + " crc32=" + Long.toHexString(crc.getValue());
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .runtime("event-loop-cores: [0]\npin-threads: false\ntransport: io-uring\n"
                             + "io-uring-recv-buffers: 16\nio-uring-recv-buffer-max: 4KiB")
                     .pool("p", "", b.address()).service("p"))) {
            assertThat(app.appliance().transport().recvRingBuffers()).as("the ring the config asked for").isEqualTo(16);
            assertThat(app.appliance().transport().recvBufferMaxBytes()).isEqualTo(4096);
            java.util.List<String> problems = dev.arbiter.appliance.support.ConcurrentClients.run(app, 32, 3, (c, i) -> {
                c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + upload.length + "\r\n\r\n").send(upload);
                String up = c.read().text();
                if (!up.contains(expect)) {
                    return "upload " + i + ": " + up.trim();
                }
                RawHttp.Response down = c.get("/down?bytes=300000");
                if (!down.complete || down.body.length != 300_000) {
                    return "download " + i + ": complete=" + down.complete + " bytes=" + down.body.length;
                }
                return null;
            });
            assertThat(problems).isEmpty();
        }
    }

    /**
     * A stopping io_uring appliance keeps each loop's ring rather than let Netty free memory the
     * kernel can still write into ({@link RetainedRingIoHandler}); other transports free theirs.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void shouldRetainEachIoUringLoopsRingWhenTheApplianceStops(Transport transport) throws Exception {
        assumeAvailable(transport);
        int before;
        try (DemoBackend b = DemoBackend.start("b")) {
            RunningAppliance app = RunningAppliance.start(TestConfig.create()
                    .runtime("event-loop-cores: [0, 1]\npin-threads: false\ntransport: " + yamlName(transport))
                    .pool("p", "", b.address()).service("p"));
            try (app; RawHttp c = app.connect()) {
                assertThat(c.get("/x").status).isEqualTo(200);
                before = RetainedRingIoHandler.retired();
            }
        }
        // Two event loops and the control loop (admin API, health checks).
        assertThat(RetainedRingIoHandler.retired() - before).isEqualTo(transport == Transport.IO_URING ? 3 : 0);
    }

    /**
     * The diagnostic switch that hands teardown back to Netty, to check a newer Netty; its
     * appliance is not started here, since that teardown can abort the test JVM on Netty 4.2.18.
     */
    @Test
    void shouldFreeIoUringRingsThroughNettyOnlyWhenAskedTo() {
        assumeAvailable(Transport.IO_URING);
        assertThat(TransportSupport.resolve(Transport.IO_URING).ioHandlerFactory())
                .isInstanceOf(RetainedRingIoHandler.Factory.class);
        System.setProperty(TransportSupport.FREE_RINGS_PROPERTY, "true");
        try {
            assertThat(TransportSupport.resolve(Transport.IO_URING).ioHandlerFactory())
                    .isNotInstanceOf(RetainedRingIoHandler.Factory.class);
        } finally {
            System.clearProperty(TransportSupport.FREE_RINGS_PROPERTY);
        }
        assertThat(TransportSupport.resolve(Transport.EPOLL).ioHandlerFactory())
                .isNotInstanceOf(RetainedRingIoHandler.Factory.class);
    }

    @Test
    void shouldServeWithKernelBusyPollingOn() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll unavailable");
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .runtime("event-loop-cores: [0]\npin-threads: false\ntransport: epoll\nbusy-poll-us: 50")
                     .pool("p", "", b.address()).service("p"));
             RawHttp c = app.connect()) {
            assertThat(c.get("/busy").text()).contains("uri=/busy");
        }
    }

    @Test
    void shouldPinEachEventLoopToItsConfiguredCpu() throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        assumeTrue(Affinity.currentCpu() >= 0, "sched_getcpu not available");
        int target = cpus - 1;
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .runtime("event-loop-cores: [" + target + "]\npin-threads: true")
                     .pool("p", "", b.address()).service("p"))) {
            int[] seen = new int[20];
            var loop = loopOf(app);
            for (int i = 0; i < seen.length; i++) {
                seen[i] = loop.submit(Affinity::currentCpu).get();
                Thread.sleep(2);
            }
            for (int cpu : seen) {
                assertThat(cpu).isEqualTo(target);
            }
        }
    }

    /**
     * With the longest idle spin the loops still proxy (keep-alive, pipelined, with a body), take
     * tasks from other threads, and go to sleep once the traffic stops: an idle loop must not burn
     * its CPU. With a 100 ms timer tick and a 1 ms spin an idle loop is busy about 1% of the time;
     * a spin that never ended would show as most of a CPU.
     */
    @ParameterizedTest
    @EnumSource(Transport.class)
    void shouldProxyWithIdleSpinAndSleepWhenIdleOverEachTransport(Transport transport) throws Exception {
        assumeAvailable(transport);
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .runtime("event-loop-cores: [0]\npin-threads: false\nidle-spin-us: 1000\ntimer-resolution: 100ms\n"
                             + "transport: " + yamlName(transport))
                     .pool("p", "", b.address()).service("p"))) {
            proxyOnFourConnections(app);
            var loop = loopOf(app);
            long thread = loop.submit(() -> Thread.currentThread().getId()).get(5, java.util.concurrent.TimeUnit.SECONDS);
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            Thread.sleep(200);
            long cpu0 = threads.getThreadCpuTime(thread);
            long wall0 = System.nanoTime();
            Thread.sleep(1000);
            long cpu = threads.getThreadCpuTime(thread) - cpu0;
            long wall = System.nanoTime() - wall0;
            assertThat(cpu).as("CPU of the idle loop over %d ms, in ns", wall / 1_000_000).isLessThan(wall / 4);
        }
    }

    /** Keep-alive, pipelined and with a body, on four connections in turn. */
    private static void proxyOnFourConnections(RunningAppliance app) throws Exception {
        for (int conn = 0; conn < 4; conn++) {
            try (RawHttp c = app.connect()) {
                c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().text()).contains("uri=/a");
                assertThat(c.read().text()).contains("uri=/b");
                c.send("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
                assertThat(c.read().text()).contains("body-bytes=3");
            }
        }
    }

    /** Skips where the appliance would fall back from {@code transport} (kernel or native library lacks it). */
    private static void assumeAvailable(Transport transport) {
        assumeTrue(TransportSupport.resolve(transport).transport() == transport, transport + " unavailable here");
    }

    private static String yamlName(Transport transport) {
        return transport.name().toLowerCase().replace('_', '-');
    }

    private static io.netty.channel.EventLoop loopOf(RunningAppliance app) {
        return app.appliance().eventLoops().get(0);
    }
}
