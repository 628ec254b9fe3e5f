package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.ScriptedBackend;
import dev.arbiter.appliance.support.TestConfig;
import org.junit.jupiter.api.Test;

/**
 * A chunked request's trailer fields are fields: the backend gets the end-to-end ones only, and
 * the head's count limit holds for them.
 */
class RequestTrailersTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    @Test
    void shouldForwardOnlyEndToEndTrailerFields() throws Exception {
        try (ScriptedBackend b = new ScriptedBackend().on("/up", OK);
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", "", b.address()).service("p"));
             RawHttp c = app.connect()) {
            c.send("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive, X-Secret\r\n\r\n"
                    + "2\r\nhi\r\n0\r\nX-Checksum: 42\r\nX-Secret: s3cr3t\r\nHost: evil.example\r\nConnection: close\r\n"
                    + "Keep-Alive: timeout=1\r\nX-Forwarded-For: 10.0.0.1\r\nVia: 1.1 spoof\r\n\r\n");
            assertThat(c.read().status).isEqualTo(200);
            String received = b.nextRequest();
            String trailers = received.substring(received.indexOf("\r\n0\r\n") + 5);
            assertThat(trailers).isEqualTo("X-Checksum: 42\r\n\r\n");
            assertThat(c.get("/up").status).as("the client's trailer Connection: close is not the connection's").isEqualTo(200);
        }
    }

    @Test
    void shouldRefuseMoreTrailerFieldsThanTheHeadMayHave() throws Exception {
        try (ScriptedBackend b = new ScriptedBackend().on("/up", OK);
             RunningAppliance app = RunningAppliance.start(TestConfig.create().pool("p", "", b.address()).service("p"));
             RawHttp c = app.connect()) {
            StringBuilder req = new StringBuilder("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n");
            for (int i = 0; i < 101; i++) {
                req.append("X-T").append(i).append(": v\r\n");
            }
            c.send(req.append("\r\n").toString());
            assertThat(c.read().status).isEqualTo(431);
            assertThat(c.closedByPeer()).isTrue();
        }
    }
}
