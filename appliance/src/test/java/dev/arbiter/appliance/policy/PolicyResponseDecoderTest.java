package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The policy connection's answer reader: every framing a server may use (section 1 of the
 * protocol), fed whole, byte by byte and pipelined; and every malformed or oversized answer
 * turned into the right failure, after which nothing more is read from the connection.
 */
class PolicyResponseDecoderTest {

    private static final int MAX = 1024;

    private static List<PolicyResponse> feed(boolean keepHeaders, boolean byteByByte, boolean close, String... parts) {
        EmbeddedChannel ch = new EmbeddedChannel(new PolicyResponseDecoder(MAX, keepHeaders));
        for (String p : parts) {
            byte[] bytes = p.getBytes(StandardCharsets.ISO_8859_1);
            if (byteByByte) {
                for (byte b : bytes) {
                    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
                }
            } else {
                ch.writeInbound(Unpooled.wrappedBuffer(bytes));
            }
        }
        if (close) {
            ch.finish();
        }
        List<PolicyResponse> out = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            out.add((PolicyResponse) m);
        }
        if (!close) {
            // The connection ends after the test looked: whatever the decoder still holds (a body
            // waiting for its end, or the answer the close completes) is released with it.
            ch.finishAndReleaseAll();
        }
        return out;
    }

    private static String body(PolicyResponse r) {
        ByteBuf c = r.content();
        String s = c.toString(StandardCharsets.ISO_8859_1);
        r.release();
        assertThat(c.refCnt()).as("content released").isZero();
        return s;
    }

    @ParameterizedTest(name = "byte by byte: {0}")
    @ValueSource(booleans = {false, true})
    void shouldReadContentLengthAnswersPipelinedOnOneConnection(boolean byteByByte) {
        List<PolicyResponse> r = feed(false, byteByByte, false,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"decisions\":",
                "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n",
                "Content-Length: 0\r\n\r\n");
        assertThat(r).hasSize(3);
        assertThat(r.get(0).status()).isEqualTo(200);
        assertThat(r.get(0).failure()).isNull();
        assertThat(body(r.get(0))).isEqualTo("{\"decisions\":");
        assertThat(r.get(1).status()).isEqualTo(500);
        assertThat(body(r.get(1))).isEqualTo("{}");
        assertThat(body(r.get(2))).isEmpty();
        assertThat(r.get(0).headers().isEmpty()).as("native mode reads no headers").isTrue();
    }

    @ParameterizedTest(name = "byte by byte: {0}")
    @ValueSource(booleans = {false, true})
    void shouldReadChunkedAnswersWithExtensionsAndTrailers(boolean byteByByte) {
        List<PolicyResponse> r = feed(false, byteByByte, false,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                "5;ext=1\r\nhello\r\n", "9\n, world!!\n", "0\r\nx-trailer: t\r\n\r\n",
                "HTTP/1.1 200 OK\r\ntransfer-encoding:  Chunked \r\n\r\n0\r\n\r\n");
        assertThat(r).hasSize(2);
        assertThat(body(r.get(0))).isEqualTo("hello, world!!");
        assertThat(body(r.get(1))).isEmpty();
    }

    @Test
    void shouldSkipInterimAnswersAndReadTheFinalOne() {
        List<PolicyResponse> r = feed(false, false, false,
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(r).hasSize(1);
        assertThat(r.get(0).status()).isEqualTo(200);
        assertThat(body(r.get(0))).isEqualTo("ok");
    }

    @Test
    void shouldReadABodyThatEndsWithTheClose() {
        assertThat(feed(false, false, false, "HTTP/1.0 200 OK\r\n\r\n{\"a\":1}")).as("not complete before the close")
                .isEmpty();
        List<PolicyResponse> r = feed(false, false, true, "HTTP/1.0 200 OK\r\n\r\n{\"a\":", "1}");
        assertThat(r).hasSize(1);
        assertThat(body(r.get(0))).isEqualTo("{\"a\":1}");
    }

    @Test
    void shouldGiveNoAnswerForOneCutShortByTheClose() {
        assertThat(feed(false, false, true, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")).isEmpty();
        assertThat(feed(false, false, true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")).isEmpty();
        assertThat(feed(false, false, true, "HTTP/1.1 200 OK\r\nContent-Le")).isEmpty();
    }

    @Test
    void shouldReadNoBodyFor204And304() {
        List<PolicyResponse> r = feed(false, false, false, "HTTP/1.1 204 No Content\r\n\r\n",
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
        assertThat(r).extracting(PolicyResponse::status).containsExactly(204, 304, 200);
        assertThat(body(r.get(0))).isEmpty();
        assertThat(body(r.get(1))).isEmpty();
        assertThat(body(r.get(2))).isEqualTo("x");
    }

    @Test
    void shouldKeepHeadersInCompatibilityMode() {
        List<PolicyResponse> r = feed(true, true, false, "HTTP/1.1 200 OK\r\nX-Policy-Pool: blue\r\n"
                + "x-policy-set-header: a: 1\r\nX-Policy-Set-Header:   b: 2  \r\nContent-Length: 0\r\n\r\n");
        assertThat(r).hasSize(1);
        assertThat(r.get(0).headers().get("x-policy-pool")).isEqualTo("blue");
        assertThat(r.get(0).headers().getAll("X-POLICY-SET-HEADER")).containsExactly("a: 1", "b: 2");
        body(r.get(0));
    }

    @Test
    void shouldAcceptAStatusLineWithoutAReason() {
        List<PolicyResponse> r = feed(false, false, false, "HTTP/1.1 403\r\nContent-Length: 0\r\n\r\n");
        assertThat(r).extracting(PolicyResponse::status).containsExactly(403);
        body(r.get(0));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n123456789\r\n",
        "HTTP/1.1 200 OK\r\nX-Policy-Pool: a\u0001b\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Policy-Pool: a\rb\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Policy-Pool: a\u0000b\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: a\u007fb\r\nContent-Length: 0\r\n\r\n",
    })
    void shouldFailAMalformedAnswerAsInvalidAndReadNothingAfterIt(String answer) {
        List<PolicyResponse> r = feed(false, false, false, answer, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertThat(r).hasSize(1);
        assertThat(r.get(0).failure()).isEqualTo(FailureReason.INVALID_RESPONSE);
    }

    /** obs-text (0x80..0xFF) is allowed in a field value (RFC 9110 5.5); controls are not. */
    @Test
    void shouldKeepAHeaderValueWithEightBitBytes() {
        List<PolicyResponse> r = feed(true, false, false,
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"caf\u00e9\"\r\nContent-Length: 0\r\n\r\n");
        assertThat(r).hasSize(1);
        assertThat(r.get(0).failure()).isNull();
        assertThat(r.get(0).headers().get("www-authenticate")).isEqualTo("Basic realm=\"caf\u00e9\"");
        r.get(0).release();
    }

    @Test
    void shouldFailBodiesOverTheLimitAsTooLarge() {
        String big = "x".repeat(MAX + 1);
        assertThat(feed(false, false, false, "HTTP/1.1 200 OK\r\nContent-Length: " + (MAX + 1) + "\r\n\r\n")
                .get(0).failure()).as("announced length").isEqualTo(FailureReason.TOO_LARGE);
        assertThat(feed(false, false, false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                Integer.toHexString(MAX) + "\r\n" + big.substring(1) + "\r\n", "1\r\nx\r\n0\r\n\r\n")
                .get(0).failure()).as("chunks adding up").isEqualTo(FailureReason.TOO_LARGE);
        assertThat(feed(false, false, false, "HTTP/1.0 200 OK\r\n\r\n", big).get(0).failure())
                .as("until the close").isEqualTo(FailureReason.TOO_LARGE);
        List<PolicyResponse> atLimit = feed(false, false, false,
                "HTTP/1.1 200 OK\r\nContent-Length: " + MAX + "\r\n\r\n" + big.substring(1));
        assertThat(body(atLimit.get(0))).hasSize(MAX);
    }

    @Test
    void shouldFailOverlongLinesAndHeaderBlocksAsTooLarge() {
        String longLine = "HTTP/1.1 200 " + "O".repeat(PolicyResponseDecoder.MAX_LINE_BYTES) + "\r\n\r\n";
        assertThat(feed(false, false, false, longLine).get(0).failure()).isEqualTo(FailureReason.TOO_LARGE);
        StringBuilder many = new StringBuilder("HTTP/1.1 200 OK\r\n");
        while (many.length() <= PolicyResponseDecoder.MAX_HEADER_BYTES + 200) {
            many.append("x-filler: ").append("f".repeat(100)).append("\r\n");
        }
        assertThat(feed(false, false, false, many.toString()).get(0).failure()).isEqualTo(FailureReason.TOO_LARGE);
        assertThat(feed(false, false, false, "HTTP/1.1 200 OK\r\nx: " + "v".repeat(PolicyResponseDecoder.MAX_LINE_BYTES))
                .get(0).failure()).as("a header line still without its end").isEqualTo(FailureReason.TOO_LARGE);
    }
}
