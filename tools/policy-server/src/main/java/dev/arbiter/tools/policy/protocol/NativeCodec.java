package dev.arbiter.tools.policy.protocol;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads native batch requests and writes decision batches (protocol, section 2). Lenient
 * where the protocol asks servers to be: unknown fields are ignored, and a summary lacking an
 * optional field reads as empty.
 *
 * <p>Both directions stream (Jackson's parser and generator, no tree): a batch is read in one
 * pass straight into summaries, and decisions are written straight into the answer's bytes.
 * The server reads from and writes to Netty buffers, so a call copies no body into a
 * {@code byte[]} of its own; the {@code byte[]} variants serve tests and failure injection.
 */
public final class NativeCodec {

    public static final int PROTOCOL_VERSION = 1;
    private static final long MAX_ID = 1L << 53;

    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonFactory json = mapper.getFactory();

    /**
     * Parses a {@code POST /v1/decisions} body. Problems are reported in this order: not JSON,
     * not an object, an unsupported version, no {@code requests} array, then the first bad summary.
     */
    public List<RequestSummary> readBatch(byte[] body) throws BadBatchException {
        return readBatch(body, 0, body.length);
    }

    /**
     * {@link #readBatch(byte[])} over the readable bytes of {@code body}, read in place (its
     * backing array when it has one); the buffer's indexes are left as they were.
     */
    public List<RequestSummary> readBatch(ByteBuf body) throws BadBatchException {
        if (body.hasArray()) {
            return readBatch(body.array(), body.arrayOffset() + body.readerIndex(), body.readableBytes());
        }
        // A direct or composite buffer (what the server receives): Jackson pulls it through its
        // own recycled read buffer, which is cheaper than a byte[] of the body per call.
        int start = body.readerIndex();
        try (JsonParser p = json.createParser((InputStream) new ByteBufInputStream(body))) {
            return read(p);
        } catch (IOException e) {
            throw unreadable(e);
        } finally {
            body.readerIndex(start);
        }
    }

    private List<RequestSummary> readBatch(byte[] body, int offset, int length) throws BadBatchException {
        try (JsonParser p = json.createParser(body, offset, length)) {
            return read(p);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    private static BadBatchException unreadable(IOException e) {
        if (e instanceof JsonProcessingException notJson) {
            return new BadBatchException("body is not JSON: " + notJson.getOriginalMessage());
        }
        return new BadBatchException("body is not readable: " + e.getMessage());
    }

    private static List<RequestSummary> read(JsonParser p) throws IOException, BadBatchException {
        boolean versionOk = false;
        List<RequestSummary> summaries = null;
        String badSummary = null;
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new BadBatchException("body is not a JSON object");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("version")) {
                versionOk = value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                        && p.getLongValue() == PROTOCOL_VERSION;
            } else if (field.equals("requests") && value == JsonToken.START_ARRAY) {
                summaries = new ArrayList<>();
                badSummary = null;
                for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
                    String problem = readSummary(p, i, summaries);
                    if (badSummary == null) {
                        badSummary = problem;
                    }
                }
            } else {
                if (field.equals("requests")) {
                    summaries = null;
                }
                p.skipChildren();
            }
        }
        if (!versionOk) {
            throw new UnsupportedVersionException();
        }
        if (summaries == null) {
            throw new BadBatchException("\"requests\" must be an array");
        }
        if (badSummary != null) {
            throw new BadBatchException(badSummary);
        }
        return summaries;
    }

    /** Summary fields in the order the appliance writes them: each is matched by its bytes first (below). */
    private static final SerializedString[] SUMMARY_FIELDS = {
        new SerializedString("id"), new SerializedString("service"), new SerializedString("method"),
        new SerializedString("scheme"), new SerializedString("host"), new SerializedString("path"),
        new SerializedString("client"), new SerializedString("headers"),
    };
    private static final int ID = 0;
    private static final int SERVICE = 1;
    private static final int METHOD = 2;
    private static final int SCHEME = 3;
    private static final int HOST = 4;
    private static final int PATH = 5;
    private static final int CLIENT = 6;
    private static final int HEADERS = 7;
    private static final int UNKNOWN = -1;

    /**
     * Reads {@code requests[index]} (the parser is on its first token); returns what is wrong with
     * it, or null.
     *
     * <p>Fields may come in any order, but the appliance writes them in {@link #SUMMARY_FIELDS}'s:
     * the next name is first compared, as bytes, with the one expected after the last field read,
     * which skips the name's decoding and symbol-table lookup. Any other name is read the general
     * way; the next expected one is then the field after it (after an unknown one, the first).
     */
    private static String readSummary(JsonParser p, int index, List<RequestSummary> out) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return "requests[" + index + "] is not an object";
        }
        long id = -1;
        String service = "";
        String method = "";
        String scheme = "";
        String host = "";
        String path = "";
        String address = "";
        int port = 0;
        Map<String, String> headers = Map.of();
        int expected = 0;
        while (true) {
            int field;
            if (expected < SUMMARY_FIELDS.length && p.nextFieldName(SUMMARY_FIELDS[expected])) {
                field = expected;
            } else {
                // nextFieldName has advanced the parser either way; past the last field, advance here.
                JsonToken t = expected < SUMMARY_FIELDS.length ? p.currentToken() : p.nextToken();
                if (t != JsonToken.FIELD_NAME) {
                    break;
                }
                field = summaryField(p.currentName());
            }
            expected = field + 1;
            JsonToken value = p.nextToken();
            switch (field) {
                case ID -> id = value == JsonToken.VALUE_NUMBER_INT
                        && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER ? p.getLongValue() : -1;
                case SERVICE -> service = text(p, value);
                case METHOD -> method = text(p, value);
                case SCHEME -> scheme = text(p, value);
                case HOST -> host = text(p, value);
                case PATH -> path = text(p, value);
                case CLIENT -> {
                    address = "";
                    port = 0;
                    if (value == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String clientField = p.currentName();
                            JsonToken clientValue = p.nextToken();
                            if (clientField.equals("address")) {
                                address = text(p, clientValue);
                            } else if (clientField.equals("port")) {
                                port = p.getValueAsInt(0);
                                p.skipChildren();
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                case HEADERS -> headers = headers(p, value);
                default -> p.skipChildren();
            }
        }
        if (id < 0 || id >= MAX_ID) {
            return "requests[" + index + "].id must be an integer in 0..2^53-1";
        }
        out.add(new RequestSummary(id, service, method, scheme, host, path, address, port, headers));
        return null;
    }

    private static int summaryField(String name) {
        for (int i = 0; i < SUMMARY_FIELDS.length; i++) {
            if (SUMMARY_FIELDS[i].getValue().equals(name)) {
                return i;
            }
        }
        return UNKNOWN;
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return "";
    }

    private static Map<String, String> headers(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return Map.of();
        }
        Map<String, String> headers = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (p.nextToken() == JsonToken.VALUE_STRING) {
                if (headers == null) {
                    headers = new LinkedHashMap<>();
                }
                headers.put(name.toLowerCase(java.util.Locale.ROOT), p.getText());
            } else {
                p.skipChildren();
            }
        }
        return headers == null ? Map.of() : headers;
    }

    /** Writes the 200 answer to a batch: one decision per summary, in the same order. */
    public byte[] writeDecisions(List<RequestSummary> summaries, List<Decision> decisions) {
        ByteArrayBuilder out = new ByteArrayBuilder(64 + 96 * summaries.size());
        writeDecisions(summaries, decisions, out);
        return out.toByteArray();
    }

    /** {@link #writeDecisions(List, List)}, the same bytes, appended to {@code out}. */
    public void writeDecisions(List<RequestSummary> summaries, List<Decision> decisions, ByteBuf out) {
        writeDecisions(summaries, decisions, new ByteBufOutputStream(out));
    }

    private void writeDecisions(List<RequestSummary> summaries, List<Decision> decisions, OutputStream out) {
        try (JsonGenerator g = json.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("version", PROTOCOL_VERSION);
            g.writeArrayFieldStart("decisions");
            for (int i = 0; i < summaries.size(); i++) {
                writeDecision(g, summaries.get(i).id(), decisions.get(i));
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory does not fail", e);
        }
    }

    // Names and constant values of every decision, encoded once (the generator copies their bytes).
    private static final SerializedString ID_FIELD = new SerializedString("id");
    private static final SerializedString ACTION_FIELD = new SerializedString("action");
    private static final SerializedString FORWARD = new SerializedString("forward");
    private static final SerializedString RESPOND = new SerializedString("respond");
    private static final SerializedString DEFAULT = new SerializedString("default");
    private static final SerializedString POOL_FIELD = new SerializedString("pool");
    private static final SerializedString BACKEND_FIELD = new SerializedString("backend");
    private static final SerializedString TTL_FIELD = new SerializedString("ttl_ms");
    private static final SerializedString SCOPE_FIELD = new SerializedString("scope");

    /** One decision as the protocol's JSON object. */
    private static void writeDecision(JsonGenerator g, long id, Decision decision) throws IOException {
        g.writeStartObject();
        g.writeFieldName(ID_FIELD);
        g.writeNumber(id);
        g.writeFieldName(ACTION_FIELD);
        if (decision instanceof Decision.Forward forward) {
            g.writeString(FORWARD);
            writeForward(g, forward);
        } else if (decision instanceof Decision.Respond respond) {
            g.writeString(RESPOND);
            writeRespond(g, respond);
        } else {
            g.writeString(DEFAULT);
        }
        writeCache(g, decision.cache());
        g.writeEndObject();
    }

    private static void writeForward(JsonGenerator g, Decision.Forward forward) throws IOException {
        writeIfPresent(g, POOL_FIELD, forward.pool());
        writeIfPresent(g, BACKEND_FIELD, forward.backend());
        if (forward.rewritePath() != null || forward.rewriteQuery() != null) {
            g.writeObjectFieldStart("rewrite");
            writeIfPresent(g, "path", forward.rewritePath());
            writeIfPresent(g, "query", forward.rewriteQuery());
            g.writeEndObject();
        }
        if (!forward.setHeaders().isEmpty()) {
            writeStringMap(g, "set_headers", forward.setHeaders());
        }
        if (!forward.removeHeaders().isEmpty()) {
            writeStrings(g, "remove_headers", forward.removeHeaders());
        }
    }

    private static void writeRespond(JsonGenerator g, Decision.Respond respond) throws IOException {
        g.writeNumberField("status", respond.status());
        if (!respond.headers().isEmpty()) {
            writeStringMap(g, "headers", respond.headers());
        }
        writeIfPresent(g, "body", respond.body());
    }

    private static void writeCache(JsonGenerator g, CacheHint cache) throws IOException {
        if (!cache.cacheable()) {
            return;
        }
        g.writeFieldName(TTL_FIELD);
        g.writeNumber(cache.ttlMs());
        if (cache.scope() != null) {
            g.writeFieldName(SCOPE_FIELD);
            writeStrings(g, cache.scope());
        }
    }

    private static void writeStringMap(JsonGenerator g, String field, Map<String, String> values) throws IOException {
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, String> e : values.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    private static void writeStrings(JsonGenerator g, String field, Iterable<String> values) throws IOException {
        g.writeFieldName(field);
        writeStrings(g, values);
    }

    private static void writeStrings(JsonGenerator g, Iterable<String> values) throws IOException {
        g.writeStartArray();
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void writeIfPresent(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value);
        }
    }

    private static void writeIfPresent(JsonGenerator g, SerializedString field, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(field);
            g.writeString(value);
        }
    }

    /** {@code {"error": message}}, plus the supported versions when the version was the problem. */
    public byte[] writeError(BadBatchException error) {
        ObjectNode root = mapper.createObjectNode();
        root.put("error", error.getMessage());
        if (error instanceof UnsupportedVersionException) {
            root.putArray("supported").add(PROTOCOL_VERSION);
        }
        return bytes(root);
    }

    /** Any small JSON document, e.g. the stats. */
    public byte[] bytes(JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain nodes always serialises", e);
        }
    }

    public ObjectMapper mapper() {
        return mapper;
    }
}
