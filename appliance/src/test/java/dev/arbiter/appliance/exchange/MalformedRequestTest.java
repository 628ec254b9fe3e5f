package dev.arbiter.appliance.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;

/** Every framing violation gets its status, the connection is closed, and nothing reaches a backend. */
class MalformedRequestTest {

    private static DemoBackend backend;
    private static RunningAppliance app;

    @BeforeAll
    static void start() throws Exception {
        backend = DemoBackend.start("only");
        app = RunningAppliance.start(TestConfig.create().pool("p", "", backend.address()).service("p"));
    }

    @AfterAll
    static void stop() throws Exception {
        app.close();
        backend.close();
    }

    static Stream<Arguments> violations() {
        return Stream.of(
                Arguments.of("content-length and transfer-encoding",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("differing duplicate content-length",
                        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
                Arguments.of("transfer coding before chunked",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
                Arguments.of("final transfer coding not chunked",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
                Arguments.of("bad chunk size",
                        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
                Arguments.of("whitespace before colon",
                        "GET / HTTP/1.1\r\nHost: a\r\nX-Bad : 1\r\n\r\n", 400),
                Arguments.of("obs-fold",
                        "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n", 400),
                Arguments.of("whitespace before the first header",
                        "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
                Arguments.of("bare LF in headers",
                        "GET / HTTP/1.1\nHost: a\n\n", 400),
                Arguments.of("missing host in HTTP/1.1",
                        "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400),
                Arguments.of("garbage request line",
                        "HELLO\r\n\r\n", 400));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("violations")
    void shouldRejectAndClose(String name, String raw, int status) throws Exception {
        int before = backend.received().size();
        try (RawHttp c = app.connect()) {
            c.send(raw);
            RawHttp.Response r = c.read();
            assertThat(r.status).as(name).isEqualTo(status);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).as("connection closed after " + name).isTrue();
        }
        // A head may already be on its way when a body framing error is found; the backend
        // connection is then cut, so no complete request ever reaches the backend.
        Thread.sleep(50);
        assertThat(backend.received().size()).as("no complete request forwarded for " + name).isEqualTo(before);
    }

    @ParameterizedTest(name = "obs-fold in a pipelined request after a good one")
    @MethodSource("pipelinedFold")
    void shouldRejectObsFoldInSecondPipelinedRequest(String raw) throws Exception {
        try (RawHttp c = app.connect()) {
            c.send(raw);
            assertThat(c.read().status).isEqualTo(200);
            assertThat(c.read().status).isEqualTo(400);
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    static Stream<String> pipelinedFold() {
        return Stream.of("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nX-F: a\r\n\tb\r\n\r\n");
    }
}
