package dev.arbiter.appliance.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.http.ResponseParserTest.Relay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The response reader against the rules of RFC 9110 and 9112 that a relaying intermediary must
 * keep: the version it sends, the status codes there are, the 101 it never asked for, and chunk
 * framing and trailers strict enough that no reader downstream can take them apart differently.
 * Well-formed cases are fed split at every byte as well as whole.
 */
class ResponseParserConformanceTest {

    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

    private static Relay parse(String... pieces) {
        ResponseParser p = new ResponseParser();
        p.reset(false);
        Relay r = new Relay();
        for (String piece : pieces) {
            ByteBuf in = Unpooled.copiedBuffer(piece, StandardCharsets.ISO_8859_1);
            p.feed(in, r);
            in.release();
        }
        return r;
    }

    /** The relay of {@code response} whole, checked to be the same when it arrives cut in two anywhere. */
    private static Relay everySplit(String response) {
        Relay once = parse(response);
        for (int cut = 1; cut < response.length(); cut++) {
            Relay r = parse(response.substring(0, cut), response.substring(cut));
            assertThat(r.out.toString()).as("split at %d", cut).isEqualTo(once.out.toString());
            assertThat(r.ends).as("split at %d", cut).isEqualTo(once.ends);
            assertThat(r.malformed).as("split at %d", cut).isEqualTo(once.malformed);
        }
        return once;
    }

    @Test
    void shouldRelayAnHttp10StatusLineAsHttp11WithItsCodeAndReason() {
        assertThat(everySplit("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok").out.toString())
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nvia: 1.1 arbiter\r\n\r\nok");
        assertThat(everySplit("HTTP/1.0 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n").out.toString())
                .isEqualTo("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nvia: 1.1 arbiter\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        assertThat(parse("HTTP/1.0 503\r\nX-A: 1\r\n\r\nuntil close").out.toString())
                .isEqualTo("HTTP/1.1 503\r\nX-A: 1\r\nvia: 1.1 arbiter\r\n\r\nuntil close");
        assertThat(parse("HTTP/1.0 103 Early Hints\r\n\r\nHTTP/1.0 204 No Content\r\n\r\n").out.toString())
                .isEqualTo("HTTP/1.1 103 Early Hints\r\nvia: 1.1 arbiter\r\n\r\nHTTP/1.1 204 No Content\r\nvia: 1.1 arbiter\r\n\r\n");
    }

    @Test
    void shouldNotReuseAConnectionAfterAnHttp10ResponseWithTransferEncoding() {
        Relay r = parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertThat(r.ends).isEqualTo(1);
        assertThat(r.keepAlive).isFalse();
        assertThat(parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keepAlive).isTrue();
    }

    @Test
    void shouldRefuseStatusCodesOutside100To599() {
        assertThat(parse("HTTP/1.1 600 X\r\nContent-Length: 2\r\n\r\nok").malformed).contains("above 599");
        assertThat(parse("HTTP/1.1 999 X\r\nContent-Length: 2\r\n\r\nok").malformed).contains("above 599");
        Relay r = parse("HTTP/1.1 599 Last\r\nContent-Length: 2\r\n\r\nok");
        assertThat(r.malformed).isNull();
        assertThat(r.ends).isEqualTo(1);
    }

    @Test
    void shouldRefuseA101ItNeverAskedFor() {
        Relay r = parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nRAW");
        assertThat(r.malformed).contains("101");
        assertThat(r.ends).isZero();
        assertThat(r.out.toString()).isEmpty();
    }

    @Test
    void shouldAcceptStrictChunkFramingWithExtensionsAndTrailers() {
        String body = "2 ;a=1\r\nok\r\n3;b=\"x\ty\";c\r\nabc\r\n0\r\nX-Checksum: 42\r\nX-Empty:\r\nX-Tab:\ta b\r\n\r\n";
        Relay r = everySplit(CHUNKED + body);
        assertThat(r.malformed).isNull();
        assertThat(r.ends).isEqualTo(1);
        assertThat(r.out.toString()).endsWith("\r\n\r\n" + body);
    }

    @Test
    void shouldRefuseLooseChunkFraming() {
        String[][] cases = {
            {"2\nok\r\n0\r\n\r\n", "does not end in CRLF"},
            {"2\nok\n0\n\n", "does not end in CRLF"},
            {"2;x\nok\r\n0\r\n\r\n", "does not end in CRLF"},
            {"2\r\nok\n0\r\n\r\n", "not followed by CRLF"},
            {"2\r\nok\r\n0\n\n", "does not end in CRLF"},
            {"2\rok\r\n0\r\n\r\n", "bare CR"},
            {"2 garbage\r\nok\r\n0\r\n\r\n", "not hexadecimal"},
            {"2 \r\nok\r\n0\r\n\r\n", "not hexadecimal"},
            {"2;a\rb\r\nok\r\n0\r\n\r\n", "bare CR"},
            {"2;a\u0000b\r\nok\r\n0\r\n\r\n", "control character in a chunk extension"},
            {"\nok\r\n", "without a size"},
        };
        for (String[] c : cases) {
            Relay r = parse(CHUNKED + c[0]);
            assertThat(r.malformed).as(c[0]).contains(c[1]);
            assertThat(r.ends).as(c[0]).isZero();
        }
    }

    @Test
    void shouldRefuseTrailersThatAreNotStrictFieldLines() {
        String[][] cases = {
            {"X-T: a\rX-Evil: 1\r\n\r\n", "bare CR in a trailer field"},
            {"X-T: a\r\n folded\r\n\r\n", "folded"},
            {"X-T: a\r\n\tfolded\r\n\r\n", "folded"},
            {"this is not a field\r\n\r\n", "not a token"},
            {"Bad Name: x\r\n\r\n", "not a token"},
            {"X-T : x\r\n\r\n", "not a token"},
            {": x\r\n\r\n", "not a token"},
            {"X-T\r\n\r\n", "not a token"},
            {"X-T: a\u0001b\r\n\r\n", "control character in a trailer field"},
            {"X-T: a\n\r\n", "does not end in CRLF"},
            {"X-T: a\r\n\n", "does not end in CRLF"},
            {"\rX\r\n", "bare CR in the trailer section"},
        };
        for (String[] c : cases) {
            Relay r = parse(CHUNKED + "2\r\nok\r\n0\r\n" + c[0]);
            assertThat(r.malformed).as(c[0]).contains(c[1]);
            assertThat(r.ends).as(c[0]).isZero();
        }
    }
}
