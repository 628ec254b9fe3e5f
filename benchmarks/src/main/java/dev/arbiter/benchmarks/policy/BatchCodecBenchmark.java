package dev.arbiter.benchmarks.policy;

import dev.arbiter.appliance.policy.Decision;
import dev.arbiter.appliance.policy.NativeCodec;
import dev.arbiter.appliance.policy.PendingRequest;
import dev.arbiter.appliance.policy.SummarySlot;
import dev.arbiter.appliance.policy.SummaryTexts;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Native protocol cost per batch at 1, 8 and 64 requests: encoding the summaries (policy I/O
 * thread) and decoding the decisions, each different or all alike. Divide by {@code batch} for
 * the cost per request.
 *
 * <p>{@link #encodeReused} and {@link #decodeReused} are what a policy group does: one
 * generator and one parser kept from call to call ({@code NativeCodec.Encoder} and
 * {@code Decoder}); their baseline twins {@link #encode} and {@link #decode} make a new generator
 * or parser per call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BatchCodecBenchmark {

    @Param({"1", "8", "64"})
    public int batch;

    /**
     * {@code distinct}: every decision rewrites its own query; {@code same}: every decision is
     * the same forward to a pool, as a rule-per-service policy answers (and the benchmark policy
     * server does).
     */
    @Param({"distinct", "same"})
    public String decisions;

    private PolicyBench bench;
    private List<PendingRequest> requests;
    private ByteBuf answer;
    private final Sink sink = new Sink();
    /** The encoding thread's memo, warm after the first batch, as in a running group. */
    private final SummaryTexts texts = new SummaryTexts();
    private final NativeCodec.Encoder encoder = new NativeCodec.Encoder();
    private final NativeCodec.Decoder decoder = new NativeCodec.Decoder();

    @Setup(Level.Trial)
    public void setUp() {
        bench = new PolicyBench();
        requests = new ArrayList<>();
        SummarySlot slot = SummarySlot.FACTORY.newInstance();
        InetSocketAddress client = new InetSocketAddress("203.0.113.9", 51234);
        StringBuilder json = new StringBuilder("{\"decisions\":[");
        for (int i = 0; i < batch; i++) {
            slot.fill(i, 0, bench.policy, "GET", "shop.example.com", "/catalog?item=" + i + "&sid=abc&utm_source=x",
                    client, 8080, bench.headers, null, 0);
            requests.add(PendingRequest.of(slot));
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(i);
            if (decisions.equals("distinct")) {
                json.append(",\"action\":\"forward\",\"rewrite\":{\"query\":\"item=").append(i)
                        .append("\"},\"set_headers\":{\"x-tenant\":\"blue\"},\"ttl_ms\":30000,\"scope\":[\"method\",\"path\",\"query\"]}");
            } else {
                json.append(",\"action\":\"forward\",\"pool\":\"p\",\"ttl_ms\":5000,\"scope\":[\"path\"]}");
            }
        }
        answer = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(json.append("]}").toString(), StandardCharsets.UTF_8));
        sink.requests = requests;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }

    @Benchmark
    public int encode() throws IOException {
        return encodeBatch(null);
    }

    @Benchmark
    public int encodeReused() throws IOException {
        return encodeBatch(encoder);
    }

    @Benchmark
    public int decode() throws NativeCodec.InvalidResponse {
        return decodeAnswer(null);
    }

    @Benchmark
    public int decodeReused() throws NativeCodec.InvalidResponse {
        return decodeAnswer(decoder);
    }

    /** The batch's body, with a new generator ({@code with} null) or the kept one. */
    private int encodeBatch(NativeCodec.Encoder with) throws IOException {
        ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(256 * batch);
        try {
            if (with == null) {
                NativeCodec.encode(requests, out, texts);
            } else {
                with.encode(requests, out, texts);
            }
            return out.readableBytes();
        } finally {
            out.release();
        }
    }

    /** The answer's decisions, with a new parser ({@code with} null) or the kept one. */
    private int decodeAnswer(NativeCodec.Decoder with) throws NativeCodec.InvalidResponse {
        sink.count = 0;
        if (with == null) {
            NativeCodec.decode(answer.duplicate(), sink);
        } else {
            with.decode(answer.duplicate(), sink);
        }
        return sink.count;
    }

    /** Matches decisions to requests by id, as a call does. */
    static final class Sink implements NativeCodec.Sink {
        List<PendingRequest> requests;
        int count;

        @Override
        public PendingRequest pending(long id) {
            return id < requests.size() ? requests.get((int) id) : null;
        }

        @Override
        public void decided(PendingRequest request, Decision decision) {
            count++;
        }
    }
}
