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

    // ---------------------------------------------------------------- Host

    static Stream<Arguments> duplicateHosts() {
        return Stream.of(
                Arguments.of("public first", new String[] {"GET /x HTTP/1.1\r\nHost: a\r\nHost: internal.example\r\n\r\n"}),
                Arguments.of("internal first", new String[] {"GET /x HTTP/1.1\r\nHost: internal.example\r\nHost: a\r\n\r\n"}),
                Arguments.of("same value twice", new String[] {"GET /x HTTP/1.1\r\nHost: a\r\nhOST: a\r\n\r\n"}),
                Arguments.of("HTTP/1.0", new String[] {"GET /x HTTP/1.0\r\nHost: a\r\nX-A: 1\r\nHost: internal.example\r\n\r\n"}),
                Arguments.of("in separate writes", new String[] {
                        "GET /x HTTP/1.1\r\nHost: a\r\n", "X-A: 1\r\nHo", "st: internal.example\r\n\r\n"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("duplicateHosts")
    void shouldRejectMoreThanOneHostLine(String name, String[] parts) throws Exception {
        assertRejected("invalid_host", 400, parts);
    }

    @ParameterizedTest(name = "Host: {0}")
    @ValueSource(strings = {"a@internal.example", "internal.example, a", "internal.example,a", "internal.example:abc",
            "a b", "[::1", "[]", ":80", "a%zz", "a/b", "\u00e9.example"})
    void shouldRejectAnInvalidHostValue(String host) throws Exception {
        assertRejected("invalid_host", 400, "GET /x HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    }

    @Test
    void shouldRouteValidHostValues() throws Exception {
        assertThat(forwarded("GET /x HTTP/1.1\r\nHost: internal.example:19003\r\n\r\n", internal))
                .contains("\r\nhost: internal.example:19003\r\n");
        assertThat(forwarded("GET /x HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", pub)).contains("\r\nhost: [::1]:8080\r\n");
        assertThat(forwarded("GET /x HTTP/1.1\r\nHost: a-b.c_d~e%41!$&'()*+;=:\r\n\r\n", pub))
                .contains("\r\nhost: a-b.c_d~e%41!$&'()*+;=:\r\n");
        assertThat(forwarded("GET /x HTTP/1.1\r\nHost:\r\n\r\n", pub)).contains("\r\nhost: \r\n");
    }

    // ---------------------------------------------------------------- request-target

    @ParameterizedTest(name = "byte {0}")
    @ValueSource(ints = {0x00, 0x01, 0x1b, 0x1f, 0x7f, 0x80, 0xe9, 0xff})
    void shouldRejectControlAndNonAsciiBytesInTheTarget(int b) throws Exception {
        assertRejected("invalid_target", 400, "GET /x" + (char) b + "y HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    /** The decoder splits the request line at these, so the line has too many parts. */
    @ParameterizedTest(name = "byte {0}")
    @ValueSource(ints = {0x09, 0x0b, 0x0c})
    void shouldRejectWhitespaceControlsInTheTarget(int b) throws Exception {
        assertRejected("malformed", 400, "GET /x" + (char) b + "y HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    @Test
    void shouldRejectATargetThatIsNeitherOriginNorAbsoluteForm() throws Exception {
        assertRejected("invalid_target", 400, "GET x HTTP/1.1\r\nHost: a\r\n\r\n");
        assertRejected("invalid_target", 400, "GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    @Test
    void shouldRouteAndForwardAbsoluteFormAsOriginFormWithItsAuthorityAsHost() throws Exception {
        String seen = forwarded("GET http://internal.example/x?q=1 HTTP/1.1\r\nHost: internal.example\r\n\r\n", internal);
        assertThat(seen).startsWith("get /x?q=1 http/1.1\r\n").contains("\r\nhost: internal.example\r\n");

        seen = forwarded("GET HTTP://internal.example:80?q=2 HTTP/1.1\r\nHost: elsewhere\r\n\r\n", internal);
        assertThat(seen).startsWith("get /?q=2 http/1.1\r\n").contains("\r\nhost: internal.example:80\r\n")
                .doesNotContain("elsewhere");

        seen = forwarded("GET https://a HTTP/1.0\r\n\r\n", pub);
        assertThat(seen).startsWith("get / http/1.1\r\n").contains("\r\nhost: a\r\n");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http:///x", "http://u@a/x", "http://a:b/x"})
    void shouldRejectAnAbsoluteFormWithABadAuthority(String target) throws Exception {
        assertRejected("invalid_host", 400, "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    // ---------------------------------------------------------------- versions

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET /x HTTP/2.0\r\nHost: a\r\n\r\n", "GET /x HTTP/3.0\r\nHost: a\r\n\r\n",
            "GET /x HTTP/0.9\r\nHost: a\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"})
    void shouldAnswer505ToAnotherMajorVersion(String raw) throws Exception {
        assertRejected("unsupported_version", 505, raw);
    }

    /** TRACE would echo the request, with what the balancer added, back to the client (XST); nginx refuses it too. */
    @Test
    void shouldRefuseTrace() throws Exception {
        assertRejected("method_not_allowed", 405, "TRACE /x HTTP/1.1\r\nHost: a\r\nCookie: session=secret\r\n\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /x http/1.1\r\nHost: a\r\n\r\n", "GET /x Http/1.1\r\nHost: a\r\n\r\n"})
    void shouldRefuseAProtocolNameThatIsNotUpperCase(String raw) throws Exception {
        assertRejected("malformed", 400, raw);
    }

    @Test
    void shouldServeHttp1MinorVersionsAboveOneAsHttp11() throws Exception {
        assertRejected("missing_host", 400, "GET /x HTTP/1.2\r\n\r\n");
        try (RawHttp c = app.connect()) {
            RawHttp.Response r = c.send("GET /x HTTP/1.2\r\nHost: a\r\n\r\n").read();
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("connection")).as("keep-alive is the default, as for 1.1").isNull();
            assertThat(c.send("GET /x HTTP/1.9\r\nHost: a\r\n\r\n").read().status).isEqualTo(200);
        }
        assertThat(pub.nextRequest()).startsWith("GET /x HTTP/1.1\r\n");
        assertThat(pub.nextRequest()).startsWith("GET /x HTTP/1.1\r\n");
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

    // ---------------------------------------------------------------- header timeout

    @Test
    void shouldTimeOutAPipelinedHeadThatStartedBeforeThePreviousResponseEnded() throws Exception {
        double before = rejected("header_timeout", 408);
        try (RawHttp c = app.connect()) {
            c.readTimeoutMillis(5000);
            c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHo");
            assertThat(c.read().status).isEqualTo(200);
            RawHttp.Response r = c.read();
            assertThat(r.status).isEqualTo(408);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(rejected("header_timeout", 408)).isEqualTo(before + 1);
        assertThat(pub.nextRequest()).startsWith("GET /x ");
    }

    @Test
    void shouldTimeOutAPipelinedRequestLineThatStartedBeforeThePreviousResponseEnded() throws Exception {
        try (RawHttp c = app.connect()) {
            c.readTimeoutMillis(5000);
            c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /x HT");
            assertThat(c.read().status).isEqualTo(200);
            assertThat(c.read().status).isEqualTo(408);
        }
        assertThat(pub.nextRequest()).startsWith("GET /x ");
    }

    // ---------------------------------------------------------------- chunk sizes

    @Test
    void shouldAnswer400ToAChunkSizeLineOverTheLineLimit() throws Exception {
        double tooLong = rejected("request_line_too_long", 414);
        assertRejected("malformed", 400, "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;"
                + "e".repeat(9000) + "\r\nhello\r\n0\r\n\r\n");
        assertThat(rejected("request_line_too_long", 414)).isEqualTo(tooLong);
    }
}
