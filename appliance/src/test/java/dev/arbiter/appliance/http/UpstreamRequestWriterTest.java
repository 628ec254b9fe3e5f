package dev.arbiter.appliance.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The bytes a backend receives for a decoded client request. */
class UpstreamRequestWriterTest {

    private static final byte[] VIA = "1.1 arbiter".getBytes(StandardCharsets.US_ASCII);

    private static String text(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    private static String head(HttpRequest r) {
        return text(UpstreamRequestWriter.head(UnpooledByteBufAllocator.DEFAULT, r, "203.0.113.9", VIA));
    }

    @Test
    void shouldWriteEndToEndFieldsInOrderThenForwardingFields() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.POST, "/cart?item=5");
        r.headers().add("Host", "shop.example.com")
                .add("Connection", "keep-alive, X-Trace")
                .add("Accept", "*/*")
                .add("X-Trace", "1")
                .add("Keep-Alive", "timeout=5")
                .add("TE", "trailers")
                .add("Upgrade", "h2c")
                .add("Trailer", "x")
                .add("Proxy-Connection", "keep-alive")
                .add("Proxy-Authorization", "Basic Zm9v")
                .add("Proxy-Authenticate", "Basic")
                .add("X-Forwarded-For", "198.51.100.7")
                .add("X-Forwarded-Proto", "https")
                .add("Via", "1.0 edge")
                .add("Content-Length", "3")
                .add("Cookie", "a=b");
        assertThat(head(r)).isEqualTo("POST /cart?item=5 HTTP/1.1\r\nHost: shop.example.com\r\nAccept: */*\r\n"
                + "Content-Length: 3\r\nCookie: a=b\r\nx-forwarded-for: 198.51.100.7, 203.0.113.9\r\n"
                + "x-forwarded-proto: http\r\nvia: 1.0 edge, 1.1 arbiter\r\n\r\n");
    }

    @Test
    void shouldKeepEveryForwardedForAndViaLineInOrder() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        r.headers().add("host", "h").add("x-forwarded-for", "198.51.100.1").add("via", "1.0 a")
                .add("X-Forwarded-For", "198.51.100.2, 198.51.100.3").add("Via", "1.1 b");
        assertThat(head(r)).isEqualTo("GET / HTTP/1.1\r\nhost: h\r\n"
                + "x-forwarded-for: 198.51.100.1, 198.51.100.2, 198.51.100.3, 203.0.113.9\r\n"
                + "x-forwarded-proto: http\r\nvia: 1.0 a, 1.1 b, 1.1 arbiter\r\n\r\n");
    }

    @Test
    void shouldNotLetConnectionNameTheFramingOrHostFields() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/x");
        r.headers().add("host", "h").add("connection", "Content-Length, transfer-encoding, HOST, close")
                .add("transfer-encoding", "chunked");
        assertThat(head(r)).isEqualTo("PUT /x HTTP/1.1\r\nhost: h\r\ntransfer-encoding: chunked\r\n"
                + "x-forwarded-for: 203.0.113.9\r\nx-forwarded-proto: http\r\nvia: 1.1 arbiter\r\n\r\n");
    }

    @Test
    void shouldKeepFieldsWhenConnectionOnlySaysKeepAliveOrClose() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        r.headers().add("host", "h").add("connection", "close").add("close", "not a hop-by-hop field");
        assertThat(head(r)).contains("close: not a hop-by-hop field\r\n").doesNotContain("connection:");
    }

    @Test
    void shouldFrameChunksAndWriteTrailers() {
        assertThat(text(UpstreamRequestWriter.chunkHead(UnpooledByteBufAllocator.DEFAULT, 300))).isEqualTo("12c\r\n");
        for (int n : new int[] {1, 9, 10, 15, 16, 255, 256, 4096, 65535, 1 << 20, Integer.MAX_VALUE}) {
            assertThat(text(UpstreamRequestWriter.chunkHead(UnpooledByteBufAllocator.DEFAULT, n)))
                    .isEqualTo(Integer.toHexString(n) + "\r\n");
        }
        assertThat(text(UpstreamRequestWriter.chunkEnd(UnpooledByteBufAllocator.DEFAULT))).isEqualTo("\r\n");
        assertThat(text(UpstreamRequestWriter.lastChunk(UnpooledByteBufAllocator.DEFAULT, LastHttpContent.EMPTY_LAST_CONTENT)))
                .isEqualTo("0\r\n\r\n");
        LastHttpContent withTrailers = new DefaultLastHttpContent();
        withTrailers.trailingHeaders().add("X-Checksum", "42");
        assertThat(text(UpstreamRequestWriter.lastChunk(UnpooledByteBufAllocator.DEFAULT, withTrailers)))
                .isEqualTo("0\r\nX-Checksum: 42\r\n\r\n");
        withTrailers.release();
    }
}
