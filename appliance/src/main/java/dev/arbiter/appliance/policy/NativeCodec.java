package dev.arbiter.appliance.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
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
     * Writes the batch body for {@code requests} into {@code out}, with a generator of its own
     * (tests, benchmarks, warm-up; a policy group keeps an {@link Encoder}).
     *
     * @param texts the encoding thread's memo of repeating fields (host, client address)
     */
    public static void encode(List<PendingRequest> requests, ByteBuf out, SummaryTexts texts) throws IOException {
        try (JsonGenerator g = JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(out))) {
            writeBatch(g, requests, texts);
        }
    }

    private static void writeBatch(JsonGenerator g, List<PendingRequest> requests, SummaryTexts texts) throws IOException {
        g.writeStartObject();
        g.writeNumberField("version", 1);
        g.writeArrayFieldStart("requests");
        for (int i = 0; i < requests.size(); i++) {
            writeSummary(g, requests.get(i), texts);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /**
     * One thread's batch encoder: a single Jackson generator writes every call's body, each a
     * root value of its own, into whichever buffer the call gives, so a call costs no generator,
     * context or stream objects. A body left half written (the buffer refused a write) takes the
     * generator with it; the next call starts a new one. Not thread-safe: a policy group owns
     * one and uses it on its thread.
     */
    public static final class Encoder {
        private final Into into = new Into();
        private JsonGenerator g;

        /** As {@link NativeCodec#encode}. */
        public void encode(List<PendingRequest> requests, ByteBuf out, SummaryTexts texts) throws IOException {
            into.buf = out;
            boolean written = false;
            try {
                if (g == null) {
                    g = JSON.createGenerator(into);
                    g.setRootValueSeparator(null); // bodies follow each other in no stream: nothing between them
                }
                writeBatch(g, requests, texts);
                g.flush();
                written = true;
            } finally {
                into.buf = null;
                if (!written) {
                    g = null; // its buffer holds part of a body; never flushed anywhere
                }
            }
        }
    }

    /** An output stream into the buffer of the body being written. */
    private static final class Into extends java.io.OutputStream {
        ByteBuf buf;

        @Override
        public void write(int b) {
            buf.writeByte(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buf.writeBytes(b, off, len);
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

    /**
     * Decodes an answer body with a parser of its own (tests, benchmarks, warm-up; a policy group
     * keeps a {@link Decoder}); each decision goes to {@code sink}, malformed ones as failures.
     */
    public static void decode(ByteBuf body, Sink sink) throws InvalidResponse {
        try (JsonParser p = JSON.createParser((java.io.InputStream) new ByteBufInputStream(body))) {
            readAnswer(p, sink, new Reuse());
            requireNothingAfter(p, body, new Leftover());
        } catch (IOException e) {
            throw invalidJson(e);
        }
    }

    /**
     * An answer is one JSON value (section 1): after its closing brace only whitespace may
     * follow, whether the parser buffered it already or it is still in {@code body}. Throws after
     * the decisions went to the sink; the caller holds them until the answer is whole.
     */
    private static void requireNothingAfter(JsonParser p, ByteBuf body, Leftover leftover)
            throws IOException, InvalidResponse {
        leftover.whitespaceOnly = true;
        p.releaseBuffered(leftover);
        for (int i = body.readerIndex(); i < body.writerIndex() && leftover.whitespaceOnly; i++) {
            leftover.write(body.getByte(i));
        }
        if (!leftover.whitespaceOnly) {
            throw new InvalidResponse("more than one JSON value in the answer");
        }
    }

    /** Reads one answer; the parser ends on the answer's closing brace, having read nothing after it. */
    private static void readAnswer(JsonParser p, Sink sink, Reuse reuse) throws IOException, InvalidResponse {
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
    }

    private static InvalidResponse invalidJson(IOException e) {
        // Without the location: a decoder's parser counts it from its first answer, not this one.
        String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return new InvalidResponse("answer is not valid JSON: " + why);
    }

    /**
     * One thread's answer decoder: a single Jackson parser reads answer after answer, each a root
     * value of its own, from whichever buffer the call gives, so an answer costs no parser,
     * context, symbol table or stream objects; and decisions are read against those of the
     * answers before, so a run of alike answers (one request per call, at low load) shares one
     * {@link Decision}. An answer that fails, or leaves anything but whitespace after its closing
     * brace, takes the parser with it (what the parser had buffered must not reach the next
     * answer); so does every 65,536th, which bounds the parser's symbol table and counters. Not
     * thread-safe: a policy group owns one and uses it on its thread.
     */
    public static final class Decoder {
        private static final int ANSWERS_PER_PARSER = 65_536;
        private final From from = new From();
        private final Leftover leftover = new Leftover();
        private final Reuse reuse = new Reuse();
        private JsonParser p;
        private int answers;

        /** As {@link NativeCodec#decode}. */
        public void decode(ByteBuf body, Sink sink) throws InvalidResponse {
            from.buf = body;
            boolean clean = false;
            try {
                if (p == null || answers == ANSWERS_PER_PARSER) {
                    drop();
                    p = JSON.createParser(from);
                }
                answers++;
                readAnswer(p, sink, reuse);
                requireNothingAfter(p, body, leftover);
                clean = true;
            } catch (IOException e) {
                throw invalidJson(e);
            } finally {
                from.buf = null;
                if (!clean) {
                    drop();
                }
            }
        }

        private void drop() {
            if (p != null) {
                try {
                    p.close(); // gives its buffers back; the stream's close does nothing
                } catch (IOException ignored) {
                    // nothing was open
                }
                p = null;
                answers = 0;
            }
        }
    }

    /** An input stream over the answer being read. */
    private static final class From extends java.io.InputStream {
        ByteBuf buf;

        @Override
        public int read() {
            return buf.isReadable() ? buf.readByte() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            int n = Math.min(len, buf.readableBytes());
            if (n == 0) {
                return -1;
            }
            buf.readBytes(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return buf.readableBytes();
        }
    }

    /** Whether what the parser read past an answer's end is whitespace only. */
    private static final class Leftover extends java.io.OutputStream {
        boolean whitespaceOnly;

        @Override
        public void write(int b) {
            whitespaceOnly &= b == ' ' || b == '\t' || b == '\n' || b == '\r';
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }
    }

    /** Reads one decision object; the parser is on its START_OBJECT and ends on its END_OBJECT. */
    private static void readDecision(JsonParser p, Sink sink, Reuse reuse) throws IOException {
        RawDecision d = reuse.fresh();
        RawDecision previous = reuse.last;
        JsonStreamContext decisionObject = p.getParsingContext();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            try {
                d.read(f, t, p, previous);
            } catch (Malformed m) {
                d.malformed = true;
                skipRestOfValue(p, decisionObject);
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
     * After a malformed value, moves the parser to the value's last token, wherever in it the
     * reader stopped (at its first token, or at an element deep inside), so the next token is
     * the decision's next field: one bad field fails its own decision, not the ones after it.
     */
    private static void skipRestOfValue(JsonParser p, JsonStreamContext decisionObject) throws IOException {
        JsonToken t = p.currentToken();
        while (true) {
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                p.skipChildren();
            }
            if (p.getParsingContext() == decisionObject) {
                return;
            }
            t = p.nextToken();
            if (t == null) {
                throw new IOException("answer ends inside a decision");
            }
        }
    }

    /**
     * An answer often repeats one decision for many requests (the same pool, the same TTL and
     * scope): a decision equal to the one before it, id aside, shares that one's immutable
     * {@link Decision} instead of building and validating another; a {@link Decoder} keeps one
     * across answers, so the first decision of an answer is read against the last of the answer
     * before. The raw field holders are recycled: two in all.
     */
    private static final class Reuse {
        private RawDecision spare;
        /** The decision read before, which the next one is read against (null for the first). */
        RawDecision last;
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
    /**
     * One decision as read, before validation. Strings and lists equal to those of the decision
     * read before it in the same answer are that decision's own instances: a batch of alike
     * decisions (the common case: most requests of a batch go to the same pool with the same
     * scope) is read without a new string or list per decision, and {@link #sameAs} then finds
     * them equal by identity.
     */
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

        /**
         * Reads one field's value.
         *
         * @param prev the decision read before this one in the same answer, or null
         */
        void read(String f, JsonToken t, JsonParser p, RawDecision prev) throws IOException, Malformed {
            boolean hasPrev = prev != null;
            switch (f) {
                case "id" -> id = integer(t, p);
                case "action" -> action = string(t, p, hasPrev ? prev.action : null);
                case "pool" -> pool = string(t, p, hasPrev ? prev.pool : null);
                case "backend" -> backend = string(t, p, hasPrev ? prev.backend : null);
                case "rewrite" -> readRewrite(t, p, prev);
                case "set_headers" -> setHeaders = headerObject(t, p, hasPrev ? prev.setHeaders : null);
                case "remove_headers" -> removeHeaders = stringArray(t, p, true, hasPrev ? prev.removeHeaders : null);
                case "status" -> status = smallInteger(t, p);
                case "headers" -> respondHeaders = headerObject(t, p, hasPrev ? prev.respondHeaders : null);
                case "body" -> body = string(t, p, hasPrev ? prev.body : null);
                case "ttl_ms" -> ttl = integer(t, p);
                case "scope" -> scope = stringArray(t, p, false, hasPrev ? prev.scope : null);
                default -> p.skipChildren();
            }
        }

        private void readRewrite(JsonToken t, JsonParser p, RawDecision prev) throws IOException, Malformed {
            if (t != JsonToken.START_OBJECT) {
                throw new Malformed();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken v = p.nextToken();
                if (f.equals("path")) {
                    rewritePath = string(v, p, prev != null ? prev.rewritePath : null);
                } else if (f.equals("query")) {
                    rewriteQuery = string(v, p, prev != null ? prev.rewriteQuery : null);
                } else {
                    p.skipChildren();
                }
            }
        }

        /**
         * A JSON integer that fits a long. A larger one is this decision's fault only: Jackson
         * would throw from {@code getLongValue}, which would fail the whole answer.
         */
        private static long integer(JsonToken t, JsonParser p) throws IOException, Malformed {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new Malformed();
            }
            return p.getLongValue();
        }

        /** A JSON integer that fits an int; a larger one would wrap around when narrowed. */
        private static int smallInteger(JsonToken t, JsonParser p) throws IOException, Malformed {
            long v = integer(t, p);
            if (v != (int) v) {
                throw new Malformed();
            }
            return (int) v;
        }

        /** The string at the parser; {@code prev} itself when it has the same characters. */
        private static String string(JsonToken t, JsonParser p, String prev) throws IOException, Malformed {
            if (t != JsonToken.VALUE_STRING) {
                throw new Malformed();
            }
            return prev != null && sameText(p, prev, false) ? prev : p.getText();
        }

        /**
         * Whether the string at the parser is {@code s}, read in place (Jackson's text buffer, no
         * new string). With {@code lower}, {@code s} is lower case and an ASCII capital at the
         * parser matches its small letter.
         */
        private static boolean sameText(JsonParser p, String s, boolean lower) throws IOException {
            char[] chars = p.getTextCharacters();
            int offset = p.getTextOffset();
            int n = p.getTextLength();
            if (n != s.length()) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                char c = chars[offset + i];
                if (lower && c >= 'A' && c <= 'Z') {
                    c = (char) (c + ('a' - 'A'));
                }
                if (c != s.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** A string array; {@code prev} itself when every element is the same, in the same order. */
        private static List<String> stringArray(JsonToken t, JsonParser p, boolean lower, List<String> prev)
                throws IOException, Malformed {
            if (t != JsonToken.START_ARRAY) {
                throw new Malformed();
            }
            List<String> out = null;
            int matched = 0;
            JsonToken v;
            while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                if (v != JsonToken.VALUE_STRING) {
                    throw new Malformed();
                }
                if (out == null && prev != null && matched < prev.size() && sameText(p, prev.get(matched), lower)) {
                    matched++;
                    continue;
                }
                if (out == null) {
                    out = prefix(prev, matched);
                }
                String s = p.getText();
                out.add(lower ? s.toLowerCase(java.util.Locale.ROOT) : s);
            }
            if (out != null) {
                return out;
            }
            return prev != null && matched == prev.size() ? prev : prefix(prev, matched);
        }

        /** A new list of the first {@code n} elements of {@code prev} (none when it is null). */
        private static List<String> prefix(List<String> prev, int n) {
            return prev == null ? new ArrayList<>() : new ArrayList<>(prev.subList(0, n));
        }

        /**
         * An object of header name -> value, flattened to n0, v0, n1, v1 ... with names lower case;
         * {@code prev} itself when every name and value is the same, in the same order.
         */
        private static List<String> headerObject(JsonToken t, JsonParser p, List<String> prev) throws IOException, Malformed {
            if (t != JsonToken.START_OBJECT) {
                throw new Malformed();
            }
            List<String> out = null;
            int matched = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                // Field names are Jackson's canonical instances, and lower-casing one that is
                // already lower case returns it: neither allocates.
                String name = p.currentName().toLowerCase(java.util.Locale.ROOT);
                JsonToken v = p.nextToken();
                if (v != JsonToken.VALUE_STRING) {
                    throw new Malformed();
                }
                if (out == null && prev != null && matched + 1 < prev.size() && name.equals(prev.get(matched))
                        && sameText(p, prev.get(matched + 1), false)) {
                    matched += 2;
                    continue;
                }
                if (out == null) {
                    out = prefix(prev, matched);
                }
                out.add(name);
                out.add(p.getText());
            }
            if (out != null) {
                return out;
            }
            return prev != null && matched == prev.size() ? prev : prefix(prev, matched);
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
            if (rewritePath != null && !HeaderRules.isRewritePath(rewritePath)) {
                return Decision.failed("invalid-decision");
            }
            if (rewriteQuery != null && !HeaderRules.isRewriteQuery(rewriteQuery)) {
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
