package dev.arbiter.appliance.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Encodes request summaries and decodes decisions of the native batch protocol
 * (docs/policy-protocol.md, sections 2 and 3) with Jackson's streaming API.
 *
 * <pre>
 *  POST /v1/decisions  {"version":1,"requests":[{"id":..,"service":..,"method":..,"scheme":..,
 *                        "host":..,"path":..,"client":{"address":..,"port":..},"headers":{..}}, ..]}
 *  200                 {"decisions":[{"id":..,"action":"forward|respond|default", ...}, ..]}
 * </pre>
 *
 * Decoding validates every decision against protocol section 2.5; a malformed one becomes a
 * failure for its request only. Whether a named pool or backend exists is checked later, on the
 * event loop, against the routing table the request uses.
 */
public final class NativeCodec {

    static final JsonFactory JSON = JsonFactory.builder().build();
    static final int MAX_BODY_BYTES = 65_536;
    private static final long MAX_TTL_MILLIS = 86_400_000L;

    private NativeCodec() {
    }

    /**
     * Runs the encoder and the decoder once on synthetic data, so that the first real call does
     * not pay for loading and initialising them (which can exceed a 50 ms deadline on a cold JVM).
     */
    public static void warmUp() {
        io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.buffer(256);
        try (JsonGenerator g = JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            g.writeStartObject();
            g.writeNumberField("version", 1);
            g.writeArrayFieldStart("requests");
            g.writeStartObject();
            g.writeStringField("path", "/");
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        buf.clear().writeCharSequence("{\"decisions\":[{\"id\":1,\"action\":\"forward\",\"rewrite\":{\"path\":\"/\"},"
                + "\"set_headers\":{\"a\":\"b\"},\"ttl_ms\":1,\"scope\":[\"path\"]}]}", StandardCharsets.UTF_8);
        try {
            decode(buf, new Sink() {
                @Override
                public PendingRequest pending(long id) {
                    return null;
                }

                @Override
                public void decided(PendingRequest request, Decision decision) {
                }
            });
        } catch (InvalidResponse e) {
            throw new IllegalStateException(e);
        } finally {
            buf.release();
        }
    }

    /**
     * Writes the batch body for {@code requests} into {@code out}.
     *
     * @param texts the encoding thread's memo of repeating fields (host, client address)
     */
    public static void encode(List<PendingRequest> requests, ByteBuf out, SummaryTexts texts) throws IOException {
        try (JsonGenerator g = JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(out))) {
            g.writeStartObject();
            g.writeNumberField("version", 1);
            g.writeArrayFieldStart("requests");
            for (int i = 0; i < requests.size(); i++) {
                writeSummary(g, requests.get(i), texts);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    // Field names and constant values quoted and escaped once: the generator copies their bytes.
    private static final SerializedString ID = new SerializedString("id");
    private static final SerializedString SERVICE = new SerializedString("service");
    private static final SerializedString METHOD = new SerializedString("method");
    private static final SerializedString SCHEME = new SerializedString("scheme");
    private static final SerializedString HTTP = new SerializedString("http");
    private static final SerializedString HOST = new SerializedString("host");
    private static final SerializedString PATH = new SerializedString("path");
    private static final SerializedString CLIENT = new SerializedString("client");
    private static final SerializedString ADDRESS = new SerializedString("address");
    private static final SerializedString PORT = new SerializedString("port");
    private static final SerializedString HEADERS = new SerializedString("headers");

    private static void writeSummary(JsonGenerator g, PendingRequest r, SummaryTexts texts) throws IOException {
        ServicePolicy sp = r.policy;
        g.writeStartObject();
        g.writeFieldName(ID);
        g.writeNumber(r.id);
        g.writeFieldName(SERVICE);
        g.writeString(sp.serviceJson());
        g.writeFieldName(METHOD);
        g.writeString(r.method);
        g.writeFieldName(SCHEME);
        g.writeString(HTTP);
        g.writeFieldName(HOST);
        g.writeString(texts.host(r.rawHost));
        g.writeFieldName(PATH);
        g.writeString(SummaryFields.originForm(r.uri));
        g.writeFieldName(CLIENT);
        g.writeStartObject();
        g.writeFieldName(ADDRESS);
        g.writeString(texts.client(r.client));
        g.writeFieldName(PORT);
        g.writeNumber(r.client.getPort());
        g.writeEndObject();
        int listed = sp.headerNames().size();
        if (listed > 0) {
            g.writeFieldName(HEADERS);
            g.writeStartObject();
            for (int i = 0; i < listed; i++) {
                if (r.headerValues[i] != null) {
                    g.writeFieldName(sp.headerNameJson(i));
                    g.writeString(r.headerValues[i]);
                }
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /** Thrown when the answer as a whole is unusable: every request of the batch fails. */
    public static final class InvalidResponse extends Exception {
        InvalidResponse(String message) {
            super(message, null, false, false);
        }
    }

    /** Receives decoded decisions by id. */
    public interface Sink {
        /** @return the pending request with this id in the batch, or null (the decision is ignored) */
        PendingRequest pending(long id);

        void decided(PendingRequest request, Decision decision);
    }

    /** Decodes an answer body; each decision goes to {@code sink}, malformed ones as failures. */
    public static void decode(ByteBuf body, Sink sink) throws InvalidResponse {
        try (JsonParser p = JSON.createParser((java.io.InputStream) new ByteBufInputStream(body))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidResponse("answer is not a JSON object");
            }
            boolean sawDecisions = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("decisions")) {
                    if (t != JsonToken.START_ARRAY) {
                        throw new InvalidResponse("decisions is not an array");
                    }
                    sawDecisions = true;
                    Reuse reuse = new Reuse();
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        readDecision(p, sink, reuse);
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (!sawDecisions) {
                throw new InvalidResponse("answer has no decisions array");
            }
        } catch (IOException e) {
            throw new InvalidResponse("answer is not valid JSON: " + e.getMessage());
        }
    }

    /** Reads one decision object; the parser is on its START_OBJECT and ends on its END_OBJECT. */
    private static void readDecision(JsonParser p, Sink sink, Reuse reuse) throws IOException {
        RawDecision d = reuse.fresh();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            try {
                d.read(f, t, p);
            } catch (Malformed m) {
                d.malformed = true;
                p.skipChildren();
            }
        }
        if (d.id < 0) {
            return; // cannot be attributed to a request
        }
        PendingRequest pending = sink.pending(d.id);
        if (pending != null) {
            sink.decided(pending, reuse.decision(d, pending.policy.headerNames()));
        }
    }

    /**
     * An answer often repeats one decision for many requests (the same pool, the same TTL and
     * scope): a decision equal to the one before it, id aside, shares that one's immutable
     * {@link Decision} instead of building and validating another. The raw field holders are
     * recycled: at most two per answer.
     */
    private static final class Reuse {
        private RawDecision spare;
        private RawDecision last;
        private Decision lastDecision;
        private List<String> lastServiceHeaders;

        /** An empty holder for the next decision (never the one {@link #decision} compares with). */
        RawDecision fresh() {
            if (spare == null) {
                spare = new RawDecision();
            } else {
                spare.clear();
            }
            return spare;
        }

        /** The decision {@code d} (the holder {@link #fresh} gave) makes, shared with the one before when equal. */
        Decision decision(RawDecision d, List<String> serviceHeaders) {
            if (last != null && serviceHeaders == lastServiceHeaders && d.sameAs(last)) {
                return lastDecision;
            }
            Decision made = d.toDecision(serviceHeaders);
            spare = last;
            last = d;
            lastDecision = made;
            lastServiceHeaders = serviceHeaders;
            return made;
        }
    }

    /** A field of the wrong type or value. */
    private static final class Malformed extends Exception {
        Malformed() {
            super(null, null, false, false);
        }
    }

    /** Fields as read, before validation. */
    private static final class RawDecision {
        long id = -1;
        String action;
        String pool;
        String backend;
        String rewritePath;
        String rewriteQuery;
        List<String> setHeaders = List.of();
        List<String> removeHeaders = List.of();
        int status = -1;
        List<String> respondHeaders = List.of();
        String body;
        long ttl;
        List<String> scope;
        boolean malformed;

        void clear() {
            id = -1;
            action = null;
            pool = null;
            backend = null;
            rewritePath = null;
            rewriteQuery = null;
            setHeaders = List.of();
            removeHeaders = List.of();
            status = -1;
            respondHeaders = List.of();
            body = null;
            ttl = 0;
            scope = null;
            malformed = false;
        }

        /** Every field but the id is equal, and neither is malformed: the two make the same {@link Decision}. */
        boolean sameAs(RawDecision o) {
            return !malformed && !o.malformed && status == o.status && ttl == o.ttl && Objects.equals(action, o.action)
                    && Objects.equals(pool, o.pool) && Objects.equals(backend, o.backend)
                    && Objects.equals(rewritePath, o.rewritePath) && Objects.equals(rewriteQuery, o.rewriteQuery)
                    && setHeaders.equals(o.setHeaders) && removeHeaders.equals(o.removeHeaders)
                    && respondHeaders.equals(o.respondHeaders) && Objects.equals(body, o.body)
                    && Objects.equals(scope, o.scope);
        }

        void read(String f, JsonToken t, JsonParser p) throws IOException, Malformed {
            switch (f) {
                case "id" -> id = integer(t, p);
                case "action" -> action = string(t, p);
                case "pool" -> pool = string(t, p);
                case "backend" -> backend = string(t, p);
                case "rewrite" -> readRewrite(t, p);
                case "set_headers" -> setHeaders = headerObject(t, p);
                case "remove_headers" -> removeHeaders = stringArray(t, p, true);
                case "status" -> status = (int) integer(t, p);
                case "headers" -> respondHeaders = headerObject(t, p);
                case "body" -> body = string(t, p);
                case "ttl_ms" -> ttl = integer(t, p);
                case "scope" -> scope = stringArray(t, p, false);
                default -> p.skipChildren();
            }
        }

        private void readRewrite(JsonToken t, JsonParser p) throws IOException, Malformed {
            if (t != JsonToken.START_OBJECT) {
                throw new Malformed();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken v = p.nextToken();
                if (f.equals("path")) {
                    rewritePath = string(v, p);
                } else if (f.equals("query")) {
                    rewriteQuery = string(v, p);
                } else {
                    p.skipChildren();
                }
            }
        }

        private static long integer(JsonToken t, JsonParser p) throws IOException, Malformed {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new Malformed();
            }
            return p.getLongValue();
        }

        private static String string(JsonToken t, JsonParser p) throws IOException, Malformed {
            if (t != JsonToken.VALUE_STRING) {
                throw new Malformed();
            }
            return p.getText();
        }

        private static List<String> stringArray(JsonToken t, JsonParser p, boolean lower) throws IOException, Malformed {
            if (t != JsonToken.START_ARRAY) {
                throw new Malformed();
            }
            List<String> out = new ArrayList<>();
            JsonToken v;
            while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                String s = string(v, p);
                out.add(lower ? s.toLowerCase(java.util.Locale.ROOT) : s);
            }
            return out;
        }

        /** An object of header name -> value, flattened to n0, v0, n1, v1 ... with names lower case. */
        private static List<String> headerObject(JsonToken t, JsonParser p) throws IOException, Malformed {
            if (t != JsonToken.START_OBJECT) {
                throw new Malformed();
            }
            List<String> out = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName().toLowerCase(java.util.Locale.ROOT);
                out.add(name);
                out.add(string(p.nextToken(), p));
            }
            return out;
        }

        Decision toDecision(List<String> serviceHeaders) {
            if (malformed || action == null) {
                return Decision.failed("invalid-decision");
            }
            if (ttl < 0 || ttl > MAX_TTL_MILLIS) {
                return Decision.failed("invalid-decision");
            }
            Scope sc = null;
            if (ttl > 0) {
                sc = scope == null ? Scope.DEFAULT : Scope.parse(scope, serviceHeaders);
                if (sc == null) {
                    return Decision.failed("invalid-decision");
                }
            }
            return switch (action) {
                case "default" -> ttl == 0 ? Decision.DEFAULT
                        : new Decision(Decision.Action.DEFAULT, null, null, null, null, null, List.of(), List.of(), 0,
                                List.of(), null, ttl, sc);
                case "forward" -> forward(sc);
                case "respond" -> respond(sc);
                default -> Decision.failed("invalid-decision");
            };
        }

        private Decision forward(Scope sc) {
            if (backend != null && dev.arbiter.appliance.config.HostPort.parse(backend) == null) {
                return Decision.failed("invalid-decision");
            }
            if (rewritePath != null && (!rewritePath.startsWith("/") || HeaderRules.hasAny(rewritePath, " \r\n\0?"))) {
                return Decision.failed("invalid-decision");
            }
            if (rewriteQuery != null && HeaderRules.hasAny(rewriteQuery, " \r\n\0#")) {
                return Decision.failed("invalid-decision");
            }
            if (!HeaderRules.validPairs(setHeaders) || !HeaderRules.validNames(removeHeaders)) {
                return Decision.failed("invalid-decision");
            }
            return new Decision(Decision.Action.FORWARD, null, pool, backend, rewritePath, rewriteQuery,
                    List.copyOf(setHeaders), List.copyOf(removeHeaders), 0, List.of(), null, ttl, sc);
        }

        private Decision respond(Scope sc) {
            if (status < 200 || status > 599 || !HeaderRules.validPairs(respondHeaders)) {
                return Decision.failed("invalid-decision");
            }
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > MAX_BODY_BYTES) {
                return Decision.failed("invalid-decision");
            }
            return new Decision(Decision.Action.RESPOND, null, null, null, null, null, List.of(), List.of(), status,
                    List.copyOf(respondHeaders), bytes, ttl, sc);
        }
    }
}
