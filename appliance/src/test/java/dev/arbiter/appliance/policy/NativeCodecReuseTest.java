package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * A policy group's encoder and decoder keep one Jackson generator and one parser from call to
 * call. Whatever came before (other bodies, answers of every shape, broken ones, trailing bytes),
 * each body must be written, and each answer read, exactly as a fresh generator or parser would.
 */
class NativeCodecReuseTest {

    @AutoClose
    private final UnstartedStage fixture = UnstartedStage.create();
    private final DefaultHttpHeaders headers = new DefaultHttpHeaders();

    @Test
    void shouldWriteEveryBodyAsAFreshGeneratorWouldAfterOthersAndAfterAFailedOne() throws Exception {
        NativeCodec.Encoder encoder = new NativeCodec.Encoder();
        SummaryTexts texts = new SummaryTexts();
        for (int size : new int[] {1, 5, 2, 64, 1}) {
            assertThat(encodeWith(encoder, requests(size), texts)).as("batch of %d", size).isEqualTo(encodeAlone(requests(size)));
        }
        ByteBuf tooSmall = Unpooled.buffer(16, 16);
        try {
            // 64 summaries overflow the generator's own buffer, so the write fails inside the body
            assertThatThrownBy(() -> encoder.encode(requests(64), tooSmall, texts)).isInstanceOf(IndexOutOfBoundsException.class);
        } finally {
            tooSmall.release();
        }
        assertThat(encodeWith(encoder, requests(3), texts)).as("the body after a failed one").isEqualTo(encodeAlone(requests(3)));
    }

    @Test
    void shouldReadEveryAnswerAsAFreshParserWouldWhateverCameBefore() throws Exception {
        List<String> answers = new ArrayList<>();
        for (String decision : DecisionDecodingTest.SEQUENCE) {
            answers.add(answer(decision));
        }
        answers.add(answer(DecisionDecodingTest.SEQUENCE.subList(0, 12).toArray(String[]::new)));
        NativeCodec.Decoder decoder = new NativeCodec.Decoder();
        String[] hazards = {
            "not json",
            "{\"decisions\":[{\"id\":0,\"action\":\"forw",              // ends inside a decision
            "[1,2,3]",                                                 // not an object
            "{\"decisions\":{\"id\":0}}",                              // decisions not an array
            "{\"other\":[{\"id\":0,\"action\":\"forward\",\"pool\":\"p\"}]}", // no decisions
            answer("\"action\":\"forward\",\"pool\":\"q\"") + " {\"decisions\":[{\"id\":0,\"action\":\"default\"}]}",
            answer("\"action\":\"forward\",\"pool\":\"q\"") + "\r\n \t",
            answer("\"action\":\"forward\",\"pool\":\"q\"") + "}}]]",
        };
        int hazard = 0;
        for (String a : answers) {
            String before = hazards[hazard++ % hazards.length];
            assertThat(outcome(decoder, before)).as("after %s", before).isEqualTo(outcome(null, before));
            assertThat(outcome(decoder, a)).as("%s after %s", a, before).isEqualTo(outcome(null, a));
        }
    }

    @Test
    void shouldReadAnAnswerLongerThanTheParsersBufferAndTheOneAfterIt() throws Exception {
        String[] many = new String[400];
        for (int i = 0; i < many.length; i++) {
            many[i] = "\"action\":\"forward\",\"pool\":\"p\",\"rewrite\":{\"query\":\"item=" + i + "\"}";
        }
        String big = answer(many);
        assertThat(big.length()).as("longer than Jackson's 8000-byte read buffer").isGreaterThan(3 * 8000);
        NativeCodec.Decoder decoder = new NativeCodec.Decoder();

        List<Object> first = outcome(decoder, big);
        assertThat(first).hasSize(many.length).isEqualTo(outcome(null, big));
        assertThat(outcome(decoder, answer("\"action\":\"default\""))).isEqualTo(outcome(null, answer("\"action\":\"default\"")));
    }

    @Test
    void shouldShareOneDecisionAcrossAlikeAnswers() throws Exception {
        NativeCodec.Decoder decoder = new NativeCodec.Decoder();
        String same = answer("\"action\":\"forward\",\"pool\":\"p\",\"ttl_ms\":5000,\"scope\":[\"path\"]");
        Decision first = decode(decoder, same).get(0);
        Decision second = decode(decoder, same).get(0);
        Decision other = decode(decoder, answer("\"action\":\"forward\",\"pool\":\"q\",\"ttl_ms\":5000,\"scope\":[\"path\"]")).get(0);

        assertThat(second).as("one request per call, the same answer each time: no new decision").isSameAs(first);
        assertThat(other).isNotSameAs(first);
        assertThat(other.pool()).isEqualTo("q");
    }

    /** The body the group's encoder writes. */
    private static String encodeWith(NativeCodec.Encoder encoder, List<PendingRequest> batch, SummaryTexts texts) throws Exception {
        ByteBuf out = Unpooled.buffer();
        try {
            encoder.encode(batch, out, texts);
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }

    private static String encodeAlone(List<PendingRequest> batch) throws Exception {
        ByteBuf out = Unpooled.buffer();
        try {
            NativeCodec.encode(batch, out, new SummaryTexts());
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            out.release();
        }
    }

    private List<PendingRequest> requests(int n) {
        List<PendingRequest> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(PendingRequest.summarise(1000 + i, 0, fixture.policy, i % 2 == 0 ? "GET" : "POST", "shop.example.com",
                    "/catalog?item=" + i, new InetSocketAddress("192.0.2." + (1 + i % 3), 40000 + i), 8080, headers, 0));
        }
        return batch;
    }

    /** An answer with these decisions, ids 0, 1, ... */
    private static String answer(String... decisions) {
        StringBuilder json = new StringBuilder("{\"decisions\":[");
        for (int i = 0; i < decisions.length; i++) {
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(',').append(decisions[i]).append('}');
        }
        return json.append("]}").toString();
    }

    /** The fields of every decision read, in id order, or the failure's message; {@code decoder} null: a fresh parser. */
    private List<Object> outcome(NativeCodec.Decoder decoder, String answer) {
        try {
            List<Object> fields = new ArrayList<>();
            for (Decision d : decode(decoder, answer)) {
                fields.add(d == null ? null : DecisionDecodingTest.fields(d));
            }
            return fields;
        } catch (NativeCodec.InvalidResponse e) {
            return List.of(e.getMessage());
        }
    }

    private List<Decision> decode(NativeCodec.Decoder decoder, String answer) throws NativeCodec.InvalidResponse {
        List<PendingRequest> batch = requests(500);
        Decision[] out = new Decision[batch.size()];
        int[] last = {-1};
        NativeCodec.Sink sink = new NativeCodec.Sink() {
            @Override
            public PendingRequest pending(long id) {
                return id < batch.size() ? batch.get((int) id) : null;
            }

            @Override
            public void decided(PendingRequest request, Decision decision) {
                int i = batch.indexOf(request);
                out[i] = decision;
                last[0] = Math.max(last[0], i);
            }
        };
        ByteBuf body = Unpooled.copiedBuffer(answer, StandardCharsets.UTF_8);
        try {
            if (decoder == null) {
                NativeCodec.decode(body, sink);
            } else {
                decoder.decode(body, sink);
            }
        } finally {
            body.release();
        }
        return Arrays.asList(out).subList(0, last[0] + 1);
    }
}
