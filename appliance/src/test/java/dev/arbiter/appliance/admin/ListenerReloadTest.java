package dev.arbiter.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.Appliance;
import dev.arbiter.appliance.config.ConfigException;
import dev.arbiter.appliance.support.ApplianceProcess;
import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.tools.backend.DemoBackend;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Listeners follow the config file on reload: added ones accept, removed ones stop and drain
 * their connections, moved ones change port; a socket that cannot be bound fails the reload
 * (and the start) with the file, line and key, and changes nothing.
 */
class ListenerReloadTest {

    /** YAML with one listener per entry of {@code listeners} (name: port), each with a catch-all service on its pool. */
    private static String yaml(Map<String, Integer> listeners, Map<String, String> poolOfListener, Map<String, String> pools) {
        StringBuilder sb = new StringBuilder("runtime:\n  event-loop-cores: [0]\n  pin-threads: false\n  timer-resolution: 5ms\n");
        sb.append("listeners:\n");
        listeners.forEach((name, port) -> sb.append("  - name: ").append(name).append("\n    address: 127.0.0.1\n    port: ")
                .append(port).append('\n'));
        sb.append("virtual-services:\n");
        listeners.keySet().forEach(name -> sb.append("  - name: svc-").append(name).append("\n    listener: ").append(name)
                .append("\n    hosts: [\"*\"]\n    path-prefix: /\n    pool: ").append(poolOfListener.get(name)).append('\n'));
        sb.append("pools:\n");
        pools.forEach((name, backend) -> sb.append("  - name: ").append(name).append("\n    backends:\n      - address: ")
                .append(backend).append('\n'));
        sb.append("admin:\n  address: 127.0.0.1\n  port: 0\n");
        return sb.toString();
    }

    private static Map<String, Integer> ports(Object... nameAndPort) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndPort.length; i += 2) {
            m.put((String) nameAndPort[i], (Integer) nameAndPort[i + 1]);
        }
        return m;
    }

    private static HttpResponse<String> reload(RunningAppliance app, String yaml) throws Exception {
        Files.writeString(app.configFile(), yaml);
        return app.adminPost("/reload");
    }

    private static boolean refused(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 2000);
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }

    @Test
    void shouldBindAListenerAddedByReloadAndRouteToItsServices() throws Exception {
        try (DemoBackend a = DemoBackend.start("a");
             DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(yaml(ports("web", 0), Map.of("web", "pa"),
                     Map.of("pa", a.address())))) {
            assertThat(app.appliance().listenerAddress("extra")).isNull();
            HttpResponse<String> r = reload(app, yaml(ports("web", 0, "extra", 0), Map.of("web", "pa", "extra", "pb"),
                    Map.of("pa", a.address(), "pb", b.address())));
            assertThat(r.statusCode()).isEqualTo(200);
            InetSocketAddress extra = app.appliance().listenerAddress("extra");
            assertThat(extra).isNotNull();
            assertThat(r.body()).contains("listener extra added on 127.0.0.1:" + extra.getPort());
            try (RawHttp onExtra = new RawHttp(extra); RawHttp onWeb = app.connect()) {
                assertThat(onExtra.get("/x").header("x-backend")).isEqualTo("b");
                assertThat(onWeb.get("/x").header("x-backend")).as("the unchanged listener kept its port and services").isEqualTo("a");
            }
        }
    }

    @Test
    void shouldStopAcceptingOnARemovedListenerAndDrainItsConnections() throws Exception {
        try (DemoBackend a = DemoBackend.start("a");
             RunningAppliance app = RunningAppliance.start(yaml(ports("web", 0, "extra", 0),
                     Map.of("web", "pa", "extra", "pa"), Map.of("pa", a.address())))) {
            InetSocketAddress extra = app.appliance().listenerAddress("extra");
            try (RawHttp idle = new RawHttp(extra); RawHttp busy = new RawHttp(extra)) {
                assertThat(idle.get("/warm").status).isEqualTo(200);
                busy.send("GET /slow?delay-ms=800 HTTP/1.1\r\nHost: a\r\n\r\n");
                assertThat(RunningAppliance.eventually(5, () -> a.requestCount() == 2)).isTrue();

                HttpResponse<String> r = reload(app, yaml(ports("web", 0), Map.of("web", "pa"), Map.of("pa", a.address())));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("listener extra on 127.0.0.1:" + extra.getPort() + " removed");

                assertThat(refused(extra)).as("no longer accepting").isTrue();
                assertThat(app.appliance().listenerAddress("extra")).isNull();
                assertThat(idle.closedByPeer()).as("idle keep-alive connection closed").isTrue();
                RawHttp.Response slow = busy.read();
                assertThat(slow.status).as("the request in flight finished").isEqualTo(200);
                assertThat(slow.header("connection")).isEqualTo("close");
                assertThat(busy.closedByPeer()).isTrue();
            }
            try (RawHttp web = app.connect()) {
                assertThat(web.get("/still").status).isEqualTo(200);
            }
        }
    }

    @Test
    void shouldMoveAListenerToItsNewPortAndKeepItsOpenConnections() throws Exception {
        int first = ApplianceProcess.freePort();
        int second = ApplianceProcess.freePort();
        try (DemoBackend a = DemoBackend.start("a");
             RunningAppliance app = RunningAppliance.start(yaml(ports("web", first), Map.of("web", "pa"), Map.of("pa", a.address())));
             RawHttp before = app.connect()) {
            assertThat(before.get("/1").status).isEqualTo(200);
            HttpResponse<String> r = reload(app, yaml(ports("web", second), Map.of("web", "pa"), Map.of("pa", a.address())));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("listener web moved from 127.0.0.1:" + first + " to 127.0.0.1:" + second);
            assertThat(app.appliance().listenerAddress("web").getPort()).isEqualTo(second);
            assertThat(refused(new InetSocketAddress(InetAddress.getLoopbackAddress(), first))).isTrue();
            try (RawHttp after = new RawHttp(new InetSocketAddress(InetAddress.getLoopbackAddress(), second))) {
                assertThat(after.get("/2").status).isEqualTo(200);
            }
            RawHttp.Response kept = before.get("/3");
            assertThat(kept.status).as("a connection from before the move is still served").isEqualTo(200);
            assertThat(kept.header("connection")).isNull();
        }
    }

    @Test
    void shouldRefuseAReloadWhoseListenerCannotBeBoundAndChangeNothing() throws Exception {
        int free = ApplianceProcess.freePort();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DemoBackend a = DemoBackend.start("a");
             DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(yaml(ports("web", 0), Map.of("web", "pa"), Map.of("pa", a.address())));
             RawHttp web = app.connect()) {
            // the pool change and the bindable listener come before the one that cannot be bound
            String next = yaml(ports("web", 0, "fine", free, "clash", taken.getLocalPort()),
                    Map.of("web", "pa", "fine", "pa", "clash", "pa"), Map.of("pa", b.address()));
            HttpResponse<String> r = reload(app, next);
            assertThat(r.statusCode()).isEqualTo(400);
            int line = lineOf(next, "port: " + taken.getLocalPort());
            assertThat(r.body().strip()).isEqualTo(app.configFile() + ":" + line + ": listeners[2].port: cannot bind 127.0.0.1:"
                    + taken.getLocalPort() + ": Address already in use (an address of this host and a port no other socket holds)");

            assertThat(app.appliance().listenerAddress("fine")).isNull();
            assertThat(refused(new InetSocketAddress(InetAddress.getLoopbackAddress(), free)))
                    .as("the listener bound before the failure was closed again").isTrue();
            assertThat(web.get("/old").header("x-backend")).as("routing unchanged").isEqualTo("a");
        }
    }

    @Test
    void shouldFailToStartWithFileLineAndKeyWhenAListenerPortIsTakenAndLeaveNoThreads() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DemoBackend a = DemoBackend.start("a")) {
            String config = yaml(ports("web", taken.getLocalPort()), Map.of("web", "pa"), Map.of("pa", a.address()));
            assertThat(startFailure(config)).isEqualTo(":" + lineOf(config, "port: " + taken.getLocalPort())
                    + ": listeners[0].port: cannot bind 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use (an address of this host and a port no other socket holds)");
        }
        assertThat(RunningAppliance.eventually(10, () -> newArbiterThreads(before).isEmpty()))
                .as("threads of the failed start: %s", newArbiterThreads(before)).isTrue();
    }

    @Test
    void shouldNotShareAListenerPortWithASecondApplianceThroughReusePort() throws Exception {
        int port = ApplianceProcess.freePort();
        try (DemoBackend a = DemoBackend.start("a");
             RunningAppliance first = RunningAppliance.start(yaml(ports("web", port), Map.of("web", "pa"), Map.of("pa", a.address())))) {
            String config = yaml(ports("web", port), Map.of("web", "pa"), Map.of("pa", a.address()));
            assertThat(startFailure(config)).isEqualTo(":" + lineOf(config, "port: " + port) + ": listeners[0].port: cannot bind 127.0.0.1:"
                    + port + ": Address already in use (an address of this host and a port no other socket holds)");
            try (RawHttp c = first.connect()) {
                for (int i = 0; i < 5; i++) {
                    assertThat(c.get("/" + i).status).as("the running appliance keeps the port").isEqualTo(200);
                }
            }
        }
    }

    @Test
    void shouldFailToStartWhenTheAdminPortIsTakenAndCloseTheListenersItHadBound() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        int web = ApplianceProcess.freePort();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DemoBackend a = DemoBackend.start("a")) {
            String config = yaml(ports("web", web), Map.of("web", "pa"), Map.of("pa", a.address()))
                    .replace("admin:\n  address: 127.0.0.1\n  port: 0\n", "admin:\n  address: 127.0.0.1\n  port: " + taken.getLocalPort() + "\n");
            assertThat(startFailure(config)).startsWith(":" + lineOf(config, "port: " + taken.getLocalPort())
                    + ": admin.port: cannot bind 127.0.0.1:" + taken.getLocalPort() + ": ");
            assertThat(refused(new InetSocketAddress(InetAddress.getLoopbackAddress(), web))).isTrue();
        }
        assertThat(RunningAppliance.eventually(10, () -> newArbiterThreads(before).isEmpty()))
                .as("threads of the failed start: %s", newArbiterThreads(before)).isTrue();
    }

    /** Starts the appliance on {@code yaml}, which must fail; returns the error after the file name. */
    private static String startFailure(String yaml) throws IOException {
        Path file = Files.createTempFile("unbindable-", ".yaml");
        try {
            Files.writeString(file, yaml);
            Appliance started = Appliance.start(file);
            started.close();
            throw new AssertionError("started on " + yaml);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).startsWith(file.toString());
            return e.getMessage().substring(file.toString().length());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static int lineOf(String yaml, String text) {
        String[] lines = yaml.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " not in the config");
    }

    private static Set<String> newArbiterThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && t.getName().startsWith("arbiter-"))
                .map(Thread::getName)
                .collect(Collectors.toSet());
    }
}
