package dev.arbiter.appliance.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HealthCheckTest {

    private static Set<String> backendsSeen(RunningAppliance app, int requests) throws Exception {
        Set<String> seen = new HashSet<>();
        try (RawHttp c = app.connect()) {
            for (int i = 0; i < requests; i++) {
                RawHttp.Response r = c.get("/hc" + i);
                assertThat(r.status).isEqualTo(200);
                seen.add(r.header("x-backend"));
            }
        }
        return seen;
    }

    @Test
    void shouldTakeFailingBackendOutAndBringItBackWhenChecksPass() throws Exception {
        try (DemoBackend a = DemoBackend.start("a");
             DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "health-check:\n  path: /healthz\n  interval: 50ms\n  timeout: 200ms\n  rise: 2\n  fall: 2",
                             a.address(), b.address())
                     .service("p"))) {
            String upA = "arbiter_backend_up{pool=\"p\",backend=\"" + a.address() + "\"}";
            assertThat(backendsSeen(app, 10)).containsExactlyInAnyOrder("a", "b");

            a.healthy(false);
            assertThat(RunningAppliance.eventually(10, () -> metric(app, upA) == 0)).isTrue();
            assertThat(backendsSeen(app, 10)).containsExactly("b");

            a.healthy(true);
            assertThat(RunningAppliance.eventually(10, () -> metric(app, upA) == 1)).isTrue();
            assertThat(backendsSeen(app, 10)).containsExactlyInAnyOrder("a", "b");
        }
    }

    @Test
    void shouldReturnPassivelyEjectedBackendWhenChecksPass() throws Exception {
        try (DemoBackend a = DemoBackend.start("a");
             DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "health-check:\n  interval: 200ms\n  rise: 10\n  fall: 3\n"
                             + "passive-ejection:\n  consecutive-failures: 2", a.address(), b.address())
                     .service("p"))) {
            String upA = "arbiter_backend_up{pool=\"p\",backend=\"" + a.address() + "\"}";
            a.behaviour(DemoBackend.Behaviour.FAIL_500);
            try (RawHttp c = app.connect()) {
                for (int i = 0; i < 6; i++) {
                    c.get("/x" + i);
                }
            }
            assertThat(metric(app, upA)).isEqualTo(0);
            a.behaviour(DemoBackend.Behaviour.NORMAL); // its /healthz always passed; checks bring it back
            assertThat(RunningAppliance.eventually(10, () -> metric(app, upA) == 1)).isTrue();
        }
    }

    private static double metric(RunningAppliance app, String sample) {
        try {
            return app.metric(sample);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
