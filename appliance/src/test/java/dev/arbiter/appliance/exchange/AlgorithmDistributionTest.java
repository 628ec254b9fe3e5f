package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How each local algorithm spreads requests, seen from the backends. */
class AlgorithmDistributionTest {

    private DemoBackend a;
    private DemoBackend b;
    private DemoBackend c;

    @BeforeEach
    void start() throws Exception {
        a = DemoBackend.start("a");
        b = DemoBackend.start("b");
        c = DemoBackend.start("c");
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        c.close();
    }

    private Map<String, Integer> spread(RunningAppliance app, int n, String headerName, int keys) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (RawHttp conn = app.connect()) {
            for (int i = 0; i < n; i++) {
                String extra = headerName == null ? "" : headerName + ": user-" + (i % keys) + "\r\n";
                conn.send("GET /d HTTP/1.1\r\nHost: a\r\n" + extra + "\r\n");
                counts.merge(conn.read().header("x-backend"), 1, Integer::sum);
            }
        }
        return counts;
    }

    @Test
    void roundRobinShouldSpreadEvenly() throws Exception {
        try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                .pool("p", "algorithm: round-robin", a.address(), b.address(), c.address()).service("p"))) {
            assertThat(spread(app, 300, null, 0)).containsEntry("a", 100).containsEntry("b", 100).containsEntry("c", 100);
        }
    }

    @Test
    void weightedRoundRobinShouldFollowWeights() throws Exception {
        try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                .pool("p", "algorithm: weighted-round-robin",
                        "address: " + a.address() + "\nweight: 5", "address: " + b.address() + "\nweight: 3",
                        "address: " + c.address() + "\nweight: 2")
                .service("p"))) {
            assertThat(spread(app, 500, null, 0)).containsEntry("a", 250).containsEntry("b", 150).containsEntry("c", 100);
        }
    }

    @Test
    void leastOutstandingShouldAvoidTheBusyBackend() throws Exception {
        try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                .pool("p", "algorithm: least-outstanding", a.address(), b.address()).service("p"));
             RawHttp busy1 = app.connect()) {
            // A slow request occupies one backend.
            busy1.send("GET /slow?delay-ms=2000 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(RunningAppliance.eventually(5, () -> a.requestCount() + b.requestCount() == 1)).isTrue();
            String busyBackend = a.requestCount() == 1 ? "a" : "b";
            Map<String, Integer> counts = spread(app, 20, null, 0);
            // While one backend holds a request, every new one goes to the idle backend.
            assertThat(counts).containsOnlyKeys(busyBackend.equals("a") ? "b" : "a");
            assertThat(busy1.read().status).isEqualTo(200);
            Map<String, Integer> after = spread(app, 20, null, 0);
            assertThat(after.get("a")).isEqualTo(10);
            assertThat(after.get("b")).isEqualTo(10);
        }
    }

    @Test
    void consistentHashShouldKeepEachKeyOnOneBackendAndSpreadKeys() throws Exception {
        try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                .pool("p", "algorithm: consistent-hash\nhash-key: header:X-User", a.address(), b.address(), c.address())
                .service("p"))) {
            Map<String, String> owner = new HashMap<>();
            Map<String, Integer> perBackend = new HashMap<>();
            try (RawHttp conn = app.connect()) {
                for (int round = 0; round < 3; round++) {
                    for (int k = 0; k < 300; k++) {
                        conn.send("GET /h HTTP/1.1\r\nHost: a\r\nX-User: user-" + k + "\r\n\r\n");
                        String be = conn.read().header("x-backend");
                        String prev = owner.putIfAbsent("user-" + k, be);
                        assertThat(prev == null ? be : prev).as("key user-" + k + " stays put").isEqualTo(be);
                        if (round == 0) {
                            perBackend.merge(be, 1, Integer::sum);
                        }
                    }
                }
            }
            // 300 keys over 3 backends: each gets a fair share (well away from 0 or 300).
            assertThat(perBackend).hasSize(3);
            perBackend.values().forEach(n -> assertThat(n).isBetween(50, 150));
        }
    }

    @Test
    void consistentHashShouldMoveOnlyTheKeysOfARemovedBackend() throws Exception {
        try (RunningAppliance app = RunningAppliance.start(TestConfig.create()
                .pool("p", "algorithm: consistent-hash\nhash-key: path\nresponse-header-timeout: 5s", a.address(), b.address(), c.address())
                .service("p"))) {
            Map<String, String> before = owners(app);
            c.close(); // connect failures eject c; its keys move, the others stay
            try (RawHttp conn = app.connect()) {
                for (int i = 0; i < 10; i++) {
                    conn.send("GET /warm" + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
                    conn.read();
                }
            }
            Map<String, String> after = owners(app);
            before.forEach((k, v) -> {
                if (!v.equals("c")) {
                    assertThat(after.get(k)).as(k).isEqualTo(v);
                } else {
                    assertThat(after.get(k)).as(k).isIn("a", "b");
                }
            });
        }
    }

    private Map<String, String> owners(RunningAppliance app) throws Exception {
        Map<String, String> owner = new HashMap<>();
        try (RawHttp conn = app.connect()) {
            for (int k = 0; k < 100; k++) {
                conn.send("GET /item/" + k + " HTTP/1.1\r\nHost: a\r\n\r\n");
                RawHttp.Response r = conn.read();
                if (r.status == 200) {
                    owner.put("/item/" + k, r.header("x-backend"));
                }
            }
        }
        return owner;
    }
}
