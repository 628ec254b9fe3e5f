package dev.arbiter.tools.policy.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The batch reader's leniency and error order, and the decision writer's exact JSON. Every body
 * is read both from a {@code byte[]} and from each kind of buffer the server may receive, and
 * must read the same from all of them.
 */
class NativeCodecTest {

    private final NativeCodec codec = new NativeCodec();

    private List<RequestSummary> read(String json) throws BadBatchException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        List<RequestSummary> fromArray = null;
        BadBatchException arrayError = null;
        try {
            fromArray = codec.readBatch(bytes);
        } catch (BadBatchException e) {
            arrayError = e;
        }
        for (ByteBuf body : buffersHolding(bytes)) {
            try {
                int readerIndex = body.readerIndex();
                int writerIndex = body.writerIndex();
                if (arrayError == null) {
                    assertThat(codec.readBatch(body)).as("read from %s", body).isEqualTo(fromArray);
                } else {
                    BadBatchException expected = arrayError;
                    assertThatThrownBy(() -> codec.readBatch(body)).as("read from %s", body)
                            .isExactlyInstanceOf(expected.getClass()).hasMessage(expected.getMessage());
                }
                assertThat(List.of(body.readerIndex(), body.writerIndex())).as("indexes of %s", body)
                        .containsExactly(readerIndex, writerIndex);
            } finally {
                body.release();
            }
        }
        if (arrayError != null) {
            throw arrayError;
        }
        return fromArray;
    }

    /** The body as a heap slice not at the start of its array, a direct buffer, and split across a composite's parts. */
    private static List<ByteBuf> buffersHolding(byte[] body) {
        List<ByteBuf> buffers = new ArrayList<>();
        ByteBuf padded = Unpooled.buffer(body.length + 10).writeBytes(new byte[7]).writeBytes(body).writeBytes(new byte[3]);
        buffers.add(padded.slice(7, body.length));
        buffers.add(Unpooled.directBuffer(body.length).writeBytes(body));
        CompositeByteBuf parts = Unpooled.compositeBuffer();
        int half = body.length / 2;
        parts.addComponent(true, Unpooled.directBuffer().writeBytes(body, 0, half));
        parts.addComponent(true, Unpooled.wrappedBuffer(Arrays.copyOfRange(body, half, body.length)));
        buffers.add(parts);
        return buffers;
    }

    @Test
    void shouldReadEveryFieldAndSkipUnknownOnesAtAnyDepth() throws Exception {
        List<RequestSummary> s = read("""
                {"extra": {"deep": [1, {"x": [2]}]}, "version": 1, "requests": [
                  {"id": 7, "service": "shop", "method": "GET", "scheme": "http", "host": "a.example",
                   "path": "/p?q=1", "future": [{"a": 1}], "client": {"address": "10.0.0.1", "port": 5555, "zone": {"z": 1}},
                   "headers": {"User-Agent": "curl", "x-n": 5, "x-o": {"k": "v"}, "Accept": "*/*"}},
                  {"id": 9007199254740991}
                ], "trailer": null}
                """);
        assertThat(s).hasSize(2);
        RequestSummary a = s.get(0);
        assertThat(a.id()).isEqualTo(7);
        assertThat(List.of(a.service(), a.method(), a.scheme(), a.host(), a.path(), a.clientAddress()))
                .containsExactly("shop", "GET", "http", "a.example", "/p?q=1", "10.0.0.1");
        assertThat(a.clientPort()).isEqualTo(5555);
        assertThat(a.headers()).containsExactly(Map.entry("user-agent", "curl"), Map.entry("accept", "*/*"));
        RequestSummary b = s.get(1);
        assertThat(b.id()).isEqualTo((1L << 53) - 1);
        assertThat(List.of(b.service(), b.method(), b.path(), b.clientAddress())).containsOnly("");
        assertThat(b.clientPort()).isZero();
        assertThat(b.headers()).isEmpty();
    }

    @Test
    void shouldReadFieldsInAnyOrderAndSpellingNotOnlyTheAppliances() throws Exception {
        // The reader first expects the appliance's order (id, service, method, scheme, host, path,
        // client, headers) and compares bytes: any other order, an escaped name, a name that only
        // starts like an expected one, or a repeated field must read exactly as it means.
        List<RequestSummary> s = read("""
                {"version": 1, "requests": [
                  {"headers": {"a": "1"}, "client": {"port": 2, "address": "10.0.0.2"}, "path": "/r", "host": "h.example",
                   "scheme": "https", "method": "PUT", "service": "svc", "id": 3},
                  {"i": 0, "id": 4, "serviceX": "no", "h\\u006fst": "escaped.example", "hostname": "no", "path": "/first",
                   "path": "/second", "ids": 99, "service": "s2"},
                  {"id": 5, "service": "s3", "method": "GET", "scheme": "http", "host": "in.order", "path": "/o",
                   "client": {"address": "10.0.0.5", "port": 5}, "headers": {"b": "2"}}
                ]}
                """);
        assertThat(s).containsExactly(
                new RequestSummary(3, "svc", "PUT", "https", "h.example", "/r", "10.0.0.2", 2, Map.of("a", "1")),
                new RequestSummary(4, "s2", "", "", "escaped.example", "/second", "", 0, Map.of()),
                new RequestSummary(5, "s3", "GET", "http", "in.order", "/o", "10.0.0.5", 5, Map.of("b", "2")));
    }

    @Test
    void shouldReadWronglyTypedOptionalFieldsAsEmpty() throws Exception {
        RequestSummary s = read("""
                {"requests": [{"id": 1, "path": 5, "host": null, "method": ["GET"], "client": "10.0.0.1",
                 "headers": ["a"]}], "version": 1}
                """).get(0);
        assertThat(List.of(s.path(), s.host(), s.method(), s.clientAddress())).containsOnly("");
        assertThat(s.headers()).isEmpty();
        assertThat(read("{\"version\":1,\"requests\":[{\"id\":1,\"client\":{\"port\":\"8080\"}}]}").get(0).clientPort())
                .as("a port given as text is read leniently").isEqualTo(8080);
    }

    @Test
    void shouldRefuseBadBatchesInTheDocumentedOrder() {
        assertThatThrownBy(() -> read("{\"version\": 1, \"requests\": [")).isInstanceOf(BadBatchException.class)
                .hasMessageStartingWith("body is not JSON");
        assertThatThrownBy(() -> read("")).hasMessage("body is not a JSON object");
        assertThatThrownBy(() -> read("[1]")).hasMessage("body is not a JSON object");
        assertThatThrownBy(() -> read("{\"version\": 2, \"requests\": []}")).isInstanceOf(UnsupportedVersionException.class);
        assertThatThrownBy(() -> read("{\"version\": 1.0, \"requests\": []}")).isInstanceOf(UnsupportedVersionException.class);
        assertThatThrownBy(() -> read("{\"version\": 99999999999999999999999, \"requests\": []}"))
                .isInstanceOf(UnsupportedVersionException.class);
        assertThatThrownBy(() -> read("{\"requests\": [{\"id\": -1}]}"))
                .as("the version is checked before the summaries").isInstanceOf(UnsupportedVersionException.class);
        assertThatThrownBy(() -> read("{\"version\": 1}")).hasMessage("\"requests\" must be an array");
        assertThatThrownBy(() -> read("{\"version\": 1, \"requests\": {}}")).hasMessage("\"requests\" must be an array");
        assertThatThrownBy(() -> read("{\"version\": 1, \"requests\": [{\"id\": 1}, 3]}"))
                .hasMessage("requests[1] is not an object");
        for (String id : List.of("-1", "9007199254740992", "1.5", "\"1\"", "123456789012345678901234567890", "null")) {
            assertThatThrownBy(() -> read("{\"version\": 1, \"requests\": [{\"id\": 1}, {\"id\": " + id + "}, {\"id\": -2}]}"))
                    .as("id " + id).hasMessage("requests[1].id must be an integer in 0..2^53-1");
        }
        assertThatThrownBy(() -> read("{\"version\": 1, \"requests\": [{\"path\": \"/\"}]}"))
                .hasMessage("requests[0].id must be an integer in 0..2^53-1");
    }

    @Test
    void shouldWriteEachKindOfDecisionAsTheProtocolSpells() throws Exception {
        List<RequestSummary> summaries = List.of(summary(1), summary(2), summary(3), summary(4));
        List<Decision> decisions = List.of(
                new Decision.Forward("api", "10.0.0.2:80", "/v2/x", "", Map.of("x-a", "1"), List.of("cookie"),
                        new CacheHint(5000, List.of("path", "header:user-agent"))),
                new Decision.Respond(403, Map.of("content-type", "text/plain"), "no\n", new CacheHint(1000, null)),
                new Decision.UseDefault(CacheHint.NONE),
                new Decision.Forward("web", null, null, null, Map.of(), List.of(), CacheHint.NONE));
        String written = new String(codec.writeDecisions(summaries, decisions), StandardCharsets.UTF_8);
        ObjectMapper m = new ObjectMapper();
        assertThat(m.readTree(written)).isEqualTo(m.readTree("""
                {"version": 1, "decisions": [
                  {"id": 1, "action": "forward", "pool": "api", "backend": "10.0.0.2:80",
                   "rewrite": {"path": "/v2/x", "query": ""}, "set_headers": {"x-a": "1"},
                   "remove_headers": ["cookie"], "ttl_ms": 5000, "scope": ["path", "header:user-agent"]},
                  {"id": 2, "action": "respond", "status": 403, "headers": {"content-type": "text/plain"},
                   "body": "no\\n", "ttl_ms": 1000},
                  {"id": 3, "action": "default"},
                  {"id": 4, "action": "forward", "pool": "web"}
                ]}
                """));
        assertThat(written).startsWith("{\"version\":1,\"decisions\":[{\"id\":1,\"action\":\"forward\"");
    }

    @Test
    void shouldWriteTheSameExactBytesIntoABufferAsIntoAnArray() {
        List<RequestSummary> summaries = List.of(summary(1), summary(2), summary(3));
        List<Decision> decisions = List.of(
                new Decision.Forward("bench", null, null, "a=1&b=\u00e9", Map.of("x-a", "\"q\""), List.of("cookie"),
                        new CacheHint(5000, List.of("path"))),
                new Decision.Respond(302, Map.of("location", "/login"), null, CacheHint.NONE),
                new Decision.UseDefault(CacheHint.NONE));
        String expected = "{\"version\":1,\"decisions\":["
                + "{\"id\":1,\"action\":\"forward\",\"pool\":\"bench\",\"rewrite\":{\"query\":\"a=1&b=\u00e9\"},"
                + "\"set_headers\":{\"x-a\":\"\\\"q\\\"\"},\"remove_headers\":[\"cookie\"],\"ttl_ms\":5000,\"scope\":[\"path\"]},"
                + "{\"id\":2,\"action\":\"respond\",\"status\":302,\"headers\":{\"location\":\"/login\"}},"
                + "{\"id\":3,\"action\":\"default\"}]}";
        byte[] array = codec.writeDecisions(summaries, decisions);
        assertThat(new String(array, StandardCharsets.UTF_8)).isEqualTo(expected);
        ByteBuf buffer = Unpooled.directBuffer(4).writeBytes(new byte[] {'>'});
        try {
            codec.writeDecisions(summaries, decisions, buffer);
            assertThat(buffer.toString(StandardCharsets.UTF_8)).as("appended after what the buffer held").isEqualTo(">" + expected);
            assertThat(buffer.readableBytes()).isEqualTo(1 + array.length);
        } finally {
            buffer.release();
        }
    }

    private static RequestSummary summary(long id) {
        return new RequestSummary(id, "s", "GET", "http", "h", "/", "127.0.0.1", 1, Map.of());
    }
}
