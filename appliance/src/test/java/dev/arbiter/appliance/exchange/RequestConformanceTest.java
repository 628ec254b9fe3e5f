package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.ScriptedBackend;
import dev.arbiter.appliance.support.TestConfig;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the appliance accepts from a client and how it forwards it (RFC 9112 3.2, RFC 9110 5.3,
 * 7.6.1, 10.1.1): the Host field, the request-target, the version, Connection and Expect. Two
 * scripted backends record the exact bytes they get: any host goes to {@code pub}, Host
 * {@code internal.example} to {@code internal}.
 */
class RequestConformanceTest {

    private static final String OK_PUB = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\npub";
    private static final String OK_INTERNAL = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ninternal";

    private static ScriptedBackend pub;
    private static ScriptedBackend internal;
    private static RunningAppliance app;

    @BeforeAll
    static void start() throws Exception {
        pub = new ScriptedBackend().on("/x", OK_PUB).on("/", OK_PUB).on("/marker", OK_PUB);
        internal = new ScriptedBackend().on("/x", OK_INTERNAL).on("/", OK_INTERNAL).on("/marker", OK_INTERNAL);
        app = RunningAppliance.start(TestConfig.create()
                .pool("pub", "", pub.address())
                .pool("internal", "", internal.address())
                .service("internal", "[\"internal.example\"]", "/", "internal")
                .service("pub", "[\"*\"]", "/", "pub")
                .limits("header-timeout: 500ms\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        app.close();
        pub.close();
        internal.close();
    }

    private static double rejected(String reason, int status) throws Exception {
        return app.metric("arbiter_rejected_requests_total{reason=\"" + reason + "\",status=\"" + status + "\"}");
    }

    /** Sends {@code parts} (one write each) and expects {@code status} with a close, counted under {@code reason}. */
    private static void assertRejected(String reason, int status, String... parts) throws Exception {
        double before = rejected(reason, status);
        try (RawHttp c = app.connect()) {
            for (String p : parts) {
                c.send(p);
                Thread.sleep(p == parts[parts.length - 1] ? 0 : 50);
            }
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(status);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(rejected(reason, status)).isEqualTo(before + 1);
        assertNothingForwarded();
    }

    /** The next request each backend saw is a marker sent now: nothing before it got through. */
    private static void assertNothingForwarded() throws Exception {
        try (RawHttp c = app.connect()) {
            assertThat(c.send("GET /marker HTTP/1.1\r\nHost: a\r\n\r\n").read().status).isEqualTo(200);
            assertThat(c.send("GET /marker HTTP/1.1\r\nHost: internal.example\r\n\r\n").read().status).isEqualTo(200);
        }
        assertThat(pub.nextRequest()).startsWith("GET /marker ");
        assertThat(internal.nextRequest()).startsWith("GET /marker ");
    }

    /** Sends one request, expects 200 and returns what the backend got, in lower case. */
    private static String forwarded(String raw, ScriptedBackend expected) throws Exception {
        try (RawHttp c = app.connect()) {
            assertThat(c.send(raw).read().status).isEqualTo(200);
        }
        String seen = expected.nextRequest();
        assertThat(seen).as("request reached the expected backend").isNotNull();
        return seen.toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- what the backend gets

    @Test
    void shouldSendTheBackendAddressAsHostForAnHttp10RequestWithoutHost() throws Exception {
        assertThat(forwarded("GET /x HTTP/1.0\r\n\r\n", pub)).contains("\r\nhost: " + pub.address() + "\r\n");
    }

    @Test
    void shouldStripTheFieldsEveryConnectionLineNames() throws Exception {
        String seen = forwarded("GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nConnection: keep-alive\r\nX-Kept: yes\r\n"
                + "Connection: X-A\r\nX-B: 2\r\nconnection: x-b, X-C\r\nX-C: 3\r\n\r\n", pub);
        assertThat(seen).contains("\r\nx-kept: yes\r\n").doesNotContain("x-a:").doesNotContain("x-b:")
                .doesNotContain("x-c:").doesNotContain("connection:");
        assertThat(seen.indexOf("\r\nhost: a\r\n")).as("one Host").isEqualTo(seen.lastIndexOf("\r\nhost:"));
    }

    @Test
    void shouldCloseAfterTheResponseWhenALaterConnectionLineSaysClose() throws Exception {
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.send("GET /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n").read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(pub.nextRequest()).doesNotContainIgnoringCase("connection:");
    }

    @Test
    void shouldDropExpectFromAnHttp10Request() throws Exception {
        String seen = forwarded("POST /x HTTP/1.0\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello", pub);
        assertThat(seen).doesNotContain("expect:").endsWith("\r\n\r\nhello");
        seen = forwarded("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello", pub);
        assertThat(seen).as("kept for HTTP/1.1").contains("\r\nexpect: 100-continue\r\n");
    }
}
