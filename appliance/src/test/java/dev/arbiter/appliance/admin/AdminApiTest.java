package dev.arbiter.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdminApiTest {

    @Test
    void shouldReportHealthAndReadiness() throws Exception {
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", "", b.address()).service("p"))) {
            assertThat(app.adminGet("/healthz").statusCode()).isEqualTo(200);
            assertThat(app.adminGet("/readyz").statusCode()).isEqualTo(200);
            assertThat(app.adminGet("/nope").statusCode()).isEqualTo(404);
            assertThat(app.adminPost("/metrics").statusCode()).isEqualTo(405);
        }
    }

    @Test
    void shouldExposePrometheusMetricsPerServiceAndBackend() throws Exception {
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", "", b.address()).service("p"));
             RawHttp c = app.connect()) {
            for (int i = 0; i < 5; i++) {
                c.get("/m");
            }
            c.get("/m?status=503");
            HttpResponse<String> m = app.adminGet("/metrics");
            assertThat(m.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
            String body = m.body();
            assertThat(body).contains("arbiter_requests_total{service=\"svc\"} 6")
                    .contains("arbiter_responses_total{service=\"svc\",class=\"2xx\"} 5")
                    .contains("arbiter_responses_total{service=\"svc\",class=\"5xx\"} 1")
                    .contains("arbiter_request_duration_seconds_count{service=\"svc\"} 6")
                    .contains("arbiter_request_duration_seconds{service=\"svc\",quantile=\"0.99\"}")
                    .contains("arbiter_backend_up{pool=\"p\",backend=\"" + b.address() + "\"} 1")
                    .contains("arbiter_backend_connections{pool=\"p\",backend=\"" + b.address() + "\"} 1")
                    .contains("arbiter_backend_outstanding_requests{pool=\"p\",backend=\"" + b.address() + "\"} 0")
                    .contains("arbiter_backend_requests_total{pool=\"p\",backend=\"" + b.address() + "\"} 6")
                    .contains("arbiter_client_connections 1");
        }
    }

    @Test
    void shouldRefuseInvalidReloadAndKeepServingOldConfig() throws Exception {
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", "", b.address()).service("p"));
             RawHttp c = app.connect()) {
            String good = Files.readString(app.configFile());
            Files.writeString(app.configFile(), good.replace("pool: p", "pool: missing"));
            HttpResponse<String> r = app.adminPost("/reload");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains(app.configFile() + ":").contains("virtual-services[0].pool: unknown pool 'missing'");
            assertThat(c.get("/still").status).isEqualTo(200);
        }
    }

    @Test
    void shouldApplyValidReloadToNewRequests() throws Exception {
        try (DemoBackend a = DemoBackend.start("a");
             DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", "", a.address()).service("p"));
             RawHttp c = app.connect()) {
            assertThat(c.get("/1").header("x-backend")).isEqualTo("a");
            Files.writeString(app.configFile(), TestConfig.create().pool("p", "", b.address()).service("p").yaml());
            HttpResponse<String> r = app.adminPost("/reload");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("reloaded");
            assertThat(c.get("/2").header("x-backend")).as("same client connection, new routing").isEqualTo("b");
        }
    }

    @Test
    void shouldDrainInFlightRequestsThenStop() throws Exception {
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", "", b.address()).service("p"));
             RawHttp busy = app.connect();
             RawHttp idle = app.connect()) {
            assertThat(idle.get("/warm").status).isEqualTo(200);
            busy.send("GET /slow?delay-ms=800 HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(RunningAppliance.eventually(5, () -> b.requestCount() == 2)).isTrue();
            assertThat(app.adminPost("/drain").statusCode()).isEqualTo(202);
            assertThat(idle.closedByPeer()).as("idle keep-alive connection closed").isTrue();
            RawHttp.Response r = busy.read();
            assertThat(r.status).as("in-flight request finished").isEqualTo(200);
            assertThat(r.header("connection")).isEqualTo("close");
            app.appliance().terminated().get(10, TimeUnit.SECONDS);
            assertThat(app.appliance().ready()).isFalse();
        }
    }
}
