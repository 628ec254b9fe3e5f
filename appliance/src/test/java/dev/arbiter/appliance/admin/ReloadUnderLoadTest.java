package dev.arbiter.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Reloads while clients keep sending: no request fails, none is dropped, and the new routing takes over. */
class ReloadUnderLoadTest {

    @Test
    void shouldReloadUnderSteadyTrafficWithZeroFailures() throws Exception {
        try (DemoBackend a = DemoBackend.start("a");
             DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .runtime("event-loop-cores: [0, 1]\npin-threads: false")
                     .pool("p", "", a.address()).service("p"))) {
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                boolean keepAlive = t % 2 == 0;
                Thread th = new Thread(() -> {
                    long end = System.nanoTime() + 30_000_000_000L; // bound even if the test body fails
                    RawHttp c = null;
                    try {
                        while (running.get() && System.nanoTime() < end) {
                            if (c == null) {
                                c = app.connect();
                            }
                            RawHttp.Response r = c.get("/load?x=" + ok.get());
                            if (r.status != 200 || !r.complete) {
                                failures.add(r.status + " " + r.text());
                            } else {
                                ok.incrementAndGet();
                            }
                            if (!keepAlive) {
                                c.close();
                                c = null;
                            }
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    } finally {
                        try {
                            if (c != null) {
                                c.close();
                            }
                        } catch (Exception ignored) {
                            // closing a test socket
                        }
                    }
                });
                th.start();
                clients.add(th);
            }
            String[] configs = {
                TestConfig.create().runtime("event-loop-cores: [0, 1]\npin-threads: false")
                        .pool("p", "", a.address(), b.address()).service("p").yaml(),
                TestConfig.create().runtime("event-loop-cores: [0, 1]\npin-threads: false")
                        .pool("p", "", b.address()).service("p").yaml(),
                TestConfig.create().runtime("event-loop-cores: [0, 1]\npin-threads: false")
                        .pool("q", "algorithm: least-outstanding", a.address(), b.address()).service("q").yaml(),
            };
            for (int i = 0; i < 9; i++) {
                Thread.sleep(150);
                Files.writeString(app.configFile(), configs[i % configs.length]);
                assertThat(app.adminPost("/reload").statusCode()).isEqualTo(200);
            }
            Thread.sleep(150);
            running.set(false);
            for (Thread th : clients) {
                th.join(20_000);
            }
            assertThat(failures).isEmpty();
            assertThat(ok.get()).isGreaterThan(100);
            assertThat(a.requestCount()).isPositive();
            assertThat(b.requestCount()).isPositive();
        }
    }
}
