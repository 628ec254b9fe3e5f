package dev.arbiter.appliance.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.http.ResponseParser.Framing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The backend response reader on its own: what it relays, how it frames bodies, what it refuses.
 * Every well-formed case is also fed split at every byte, since a backend's bytes arrive in
 * whatever pieces TCP makes.
 */
class ResponseParserTest {

    private static final byte[] VIA = "1.1 arbiter".getBytes(StandardCharsets.US_ASCII);

    /** Rebuilds what the appliance sends the client: each head as relayed, then the body bytes. */
    /** What the appliance would send: each head as relayed, then the body bytes. Shared with the conformance test. */
    static final class Relay implements ResponseParser.Listener {
        final StringBuilder out = new StringBuilder();
        final List<Integer> statuses = new ArrayList<>();
        final List<Framing> framings = new ArrayList<>();
        boolean keepAlive;
        boolean dechunk;
        int ends;
        String malformed;

        @Override
        public void onResponseHead(ResponseParser head) {
            statuses.add(head.status());
            framings.add(head.framing());
            keepAlive = head.keepAlive();
            if (dechunk) {
                head.dechunk();
            }
            ByteBuf b = Unpooled.buffer();
            head.writeRelayedHead(b, VIA);
            out.append(b.toString(StandardCharsets.ISO_8859_1)).append("\r\n");
            b.release();
        }

        @Override
        public void onResponseBody(ByteBuf buf, int index, int length) {
            assertThat(ends).as("no body after the end").isZero();
            out.append(buf.toString(index, length, StandardCharsets.ISO_8859_1));
        }

        @Override
        public void onResponseEnd() {
            ends++;
        }

        @Override
        public void onResponseMalformed(String why) {
            assertThat(malformed).as("malformed is reported once").isNull();
            malformed = why;
        }
    }

    private static Relay whole(String response, boolean headRequest) {
        return whole(response, headRequest, false);
    }

    private static Relay whole(String response, boolean headRequest, boolean dechunk) {
        ResponseParser p = new ResponseParser();
        p.reset(headRequest);
        Relay r = new Relay();
        r.dechunk = dechunk;
        feed(p, r, response);
        return r;
    }

    private static void feed(ResponseParser p, Relay r, String bytes) {
        ByteBuf in = Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1);
        p.feed(in, r);
        assertThat(in.isReadable()).isFalse();
        in.release();
    }

    /** Feeds the response cut in two at every position, and checks each gives the same relay as one piece. */
    private static Relay everySplit(String response, boolean dechunk) {
        Relay once = whole(response, false, dechunk);
        for (int cut = 1; cut < response.length(); cut++) {
            ResponseParser p = new ResponseParser();
            p.reset(false);
            Relay r = new Relay();
            r.dechunk = dechunk;
            feed(p, r, response.substring(0, cut));
            feed(p, r, response.substring(cut));
            assertThat(r.out.toString()).as("split at %d", cut).isEqualTo(once.out.toString());
            assertThat(r.ends).as("split at %d", cut).isEqualTo(once.ends);
            assertThat(r.malformed).as("split at %d", cut).isEqualTo(once.malformed);
        }
        return once;
    }

    @Test
    void shouldRelayHeadWithoutHopByHopFieldsAndBodyAsItCame() {
        Relay r = everySplit("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: x-secret, keep-alive\r\n"
                + "X-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Authenticate: Basic\r\nUpgrade: h2c\r\nTE: trailers\r\n"
                + "Trailer: x\r\nProxy-Connection: close\r\nX-Public: ok\r\nContent-Length: 5\r\n\r\nhello", false);
        assertThat(r.out.toString()).isEqualTo("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Public: ok\r\n"
                + "Content-Length: 5\r\nvia: 1.1 arbiter\r\n\r\nhello");
        assertThat(r.ends).isEqualTo(1);
        assertThat(r.framings).containsExactly(Framing.LENGTH);
        assertThat(r.keepAlive).isTrue();
    }

    @Test
    void shouldExtendTheBackendsVia() {
        Relay r = whole("HTTP/1.1 204 No Content\r\nVia:  1.0 cache \r\n\r\n", false);
        assertThat(r.out.toString()).isEqualTo("HTTP/1.1 204 No Content\r\nvia: 1.0 cache, 1.1 arbiter\r\n\r\n");
        assertThat(r.ends).isEqualTo(1);
    }

    @Test
    void shouldKeepEveryViaLineInOrder() {
        Relay r = whole("HTTP/1.1 204 No Content\r\nVia: 1.0 a\r\nX-B: 1\r\nvia: 1.1 b, 1.1 c\r\n\r\n", false);
        assertThat(r.out.toString()).isEqualTo("HTTP/1.1 204 No Content\r\nX-B: 1\r\nvia: 1.0 a, 1.1 b, 1.1 c, 1.1 arbiter\r\n\r\n");
    }

    @Test
    void shouldAcceptBareLineFeeds() {
        Relay r = everySplit("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false);
        assertThat(r.out.toString()).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nvia: 1.1 arbiter\r\n\r\nok");
        assertThat(r.ends).isEqualTo(1);
    }

    @Test
    void shouldRelayChunkedBodyWithExtensionsAndTrailersVerbatim() {
        String body = "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Checksum: 42\r\n\r\n";
        Relay r = everySplit("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body, false);
        assertThat(r.out.toString()).isEqualTo("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nvia: 1.1 arbiter\r\n\r\n" + body);
        assertThat(r.framings).containsExactly(Framing.CHUNKED);
        assertThat(r.ends).isEqualTo(1);
    }

    @Test
    void shouldHandOnOnlyTheDataWhenDechunking() {
        Relay r = everySplit("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", true);
        assertThat(r.out.toString()).isEqualTo("HTTP/1.1 200 OK\r\nvia: 1.1 arbiter\r\n\r\nhello world");
        assertThat(r.ends).isEqualTo(1);
    }

    @Test
    void shouldLetChunkedFramingWinOverContentLength() {
        Relay r = whole("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", false);
        assertThat(r.out.toString()).isEqualTo("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nvia: 1.1 arbiter\r\n\r\n"
                + "2\r\nok\r\n0\r\n\r\n");
        assertThat(r.ends).isEqualTo(1);
    }

    @Test
    void shouldReadBodyUntilCloseWhenNotDelimited() {
        ResponseParser p = new ResponseParser();
        p.reset(false);
        Relay r = new Relay();
        feed(p, r, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ");
        feed(p, r, "part two");
        assertThat(r.ends).isZero();
        assertThat(r.keepAlive).isFalse();
        assertThat(p.onClose(r)).isTrue();
        assertThat(r.ends).isEqualTo(1);
        assertThat(r.out.toString()).endsWith("\r\n\r\npart one, part two");
    }

    @Test
    void shouldReportACloseBeforeTheEndAsCut() {
        ResponseParser p = new ResponseParser();
        p.reset(false);
        Relay r = new Relay();
        feed(p, r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
        assertThat(p.onClose(r)).isFalse();
        assertThat(r.ends).isZero();

        p.reset(false);
        feed(p, r, "HTTP/1.1 200 OK\r\nContent-");
        assertThat(p.onClose(r)).as("a head cut short").isFalse();
    }

    @Test
    void shouldNotExpectABodyForHeadRequestsOr204Or304() {
        Relay head = whole("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true);
        assertThat(head.ends).isEqualTo(1);
        assertThat(head.framings).containsExactly(Framing.NONE);
        assertThat(head.out.toString()).contains("Content-Length: 1000\r\n");
        assertThat(whole("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false).ends).isEqualTo(1);
        assertThat(whole("HTTP/1.1 204 No Content\r\n\r\n", false).ends).isEqualTo(1);
    }

    @Test
    void shouldRelayInterimResponsesAndThenTheFinalOne() {
        Relay r = everySplit("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
                + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", false);
        assertThat(r.statuses).containsExactly(100, 103, 201);
        assertThat(r.ends).isEqualTo(1);
        assertThat(r.out.toString()).startsWith("HTTP/1.1 100 Continue\r\nvia: 1.1 arbiter\r\n\r\nHTTP/1.1 103").endsWith("ok");
    }

    @Test
    void shouldTellKeepAliveFromVersionAndConnectionField() {
        assertThat(whole("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false).keepAlive).isFalse();
        assertThat(whole("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", false).keepAlive).isTrue();
        assertThat(whole("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false).keepAlive).isFalse();
        assertThat(whole("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false).keepAlive).isTrue();
    }

    @Test
    void shouldNoticeBytesAfterTheEndOfTheResponse() {
        ResponseParser p = new ResponseParser();
        p.reset(false);
        Relay r = new Relay();
        feed(p, r, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n");
        assertThat(r.ends).isEqualTo(1);
        assertThat(r.out.toString()).endsWith("\r\n\r\nok");
        assertThat(p.extraBytes()).isTrue();

        p.reset(false);
        feed(p, new Relay(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(p.extraBytes()).isFalse();
    }

    @Test
    void shouldHoldAHeadThatSpansManyReads() {
        ResponseParser p = new ResponseParser();
        p.reset(false);
        Relay r = new Relay();
        StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 200; i++) {
            head.append("X-Field-").append(i).append(": ").append("v".repeat(100)).append("\r\n");
        }
        String response = head + "Content-Length: 3\r\n\r\nend";
        for (int i = 0; i < response.length(); i += 1000) {
            feed(p, r, response.substring(i, Math.min(response.length(), i + 1000)));
        }
        assertThat(r.malformed).isNull();
        assertThat(r.ends).isEqualTo(1);
        assertThat(r.out.toString()).contains("X-Field-199: v").endsWith("\r\n\r\nend");
    }

    @Test
    void shouldRefuseWhatItCannotRelaySafely() {
        String[][] cases = {
            {"HTTP/2 200 OK\r\n\r\n", "not HTTP/1.x"},
            {"HTTP/1.2 200 OK\r\n\r\n", "not HTTP/1.0 or HTTP/1.1"},
            {"HTTP/1.1 20 OK\r\n\r\n", "three digits"},
            {"HTTP/1.1 099 Low\r\n\r\n", "below 100"},
            {"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", "folded"},
            {"HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n", "not a token"},
            {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "not a token"},
            {"HTTP/1.1 200 OK\r\n: empty\r\n\r\n", "empty field name"},
            {"HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n", "control character"},
            {"HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", "control character"},
            {"HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", "not a number"},
            {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "not a number"},
            {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", "two different"},
            {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "other than chunked"},
            {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "twice"},
            {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not hexadecimal"},
            {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", "without a size"},
            {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokay\r\n", "longer than its size"},
            {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", "15 hex digits"},
        };
        for (String[] c : cases) {
            Relay r = whole(c[0], false);
            assertThat(r.malformed).as(c[0]).contains(c[1]);
            assertThat(r.ends).as(c[0]).isZero();
        }
    }

    @Test
    void shouldBoundHeadChunkLineAndTrailers() {
        String big = "HTTP/1.1 200 OK\r\n" + ("X-Pad: " + "p".repeat(1000) + "\r\n").repeat(70);
        assertThat(whole(big + "\r\n", false).malformed).contains("larger than 65536");
        Relay inPieces = new Relay();
        ResponseParser p = new ResponseParser();
        p.reset(false);
        for (int i = 0; i < big.length() && inPieces.malformed == null; i += 4000) {
            feed(p, inPieces, big.substring(i, Math.min(big.length(), i + 4000)));
        }
        assertThat(inPieces.malformed).contains("larger than 65536");

        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertThat(whole(chunked + "5;" + "e".repeat(5000) + "\r\n", false).malformed).contains("chunk-size line longer");
        assertThat(whole(chunked + "0\r\n" + ("X-T: " + "t".repeat(1000) + "\r\n").repeat(70), false).malformed)
                .contains("trailer section larger");
    }

    @Test
    void shouldCountFieldsUpToTheLimit() {
        String many = "HTTP/1.1 200 OK\r\n" + "X: 1\r\n".repeat(ResponseParser.MAX_FIELDS) + "Content-Length: 0\r\n\r\n";
        assertThat(whole(many, false).malformed).contains("more than 256 fields");
        String enough = "HTTP/1.1 200 OK\r\n" + "X: 1\r\n".repeat(ResponseParser.MAX_FIELDS - 1) + "Content-Length: 0\r\n\r\n";
        assertThat(whole(enough, false).ends).isEqualTo(1);
    }
}
