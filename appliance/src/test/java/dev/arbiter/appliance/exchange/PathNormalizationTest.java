package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The path a request is routed on is the path the backend gets: both are the RFC 3986 normal
 * form, so a dot-segment or an escaped letter cannot send a request past the service (and the
 * policy) that its path names at the backend.
 */
class PathNormalizationTest {

    @Test
    void shouldRouteAndForwardTheNormalizedPath() throws Exception {
        try (DemoBackend status = DemoBackend.start("status");
             DemoBackend admin = DemoBackend.start("admin");
             DemoBackend rest = DemoBackend.start("rest");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("status-pool", "", status.address())
                     .pool("admin-pool", "", admin.address())
                     .pool("rest-pool", "", rest.address())
                     .service("status", "[\"*\"]", "/status", "status-pool")
                     .service("admin", "[\"*\"]", "/admin", "admin-pool")
                     .service("rest", "[\"*\"]", "/", "rest-pool"));
             RawHttp c = app.connect()) {
            expect(c, "/status/../admin/users", admin, "/admin/users");
            expect(c, "/status/%2e%2e/admin", admin, "/admin");
            expect(c, "/%61dmin/x?q=/../y", admin, "/admin/x?q=/../y");
            expect(c, "/status/./health", status, "/status/health");
            expect(c, "/admin/../other", rest, "/other");
            expect(c, "/status%2F..%2Fadmin", status, "/status%2F..%2Fadmin");
        }
    }

    private static void expect(RawHttp c, String sent, DemoBackend at, String received) throws Exception {
        assertThat(c.get(sent).status).as(sent).isEqualTo(200);
        assertThat(at.received().poll(2, TimeUnit.SECONDS)).as(sent + " reaches " + at).isNotNull()
                .satisfies(r -> assertThat(r.uri()).isEqualTo(received));
    }
}
