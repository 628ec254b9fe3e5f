package dev.arbiter.benchmarks.policy;

import dev.arbiter.appliance.policy.RequestHead;
import dev.arbiter.appliance.policy.PolicyResponse;
import dev.arbiter.appliance.policy.PolicyResponseDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
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
 * The HTTP layer of one native policy call, JSON aside: write the request (head + body) and read
 * the answer into one body buffer. {@code lean} is the appliance's policy connection
 * ({@link RequestHead} and {@link PolicyResponseDecoder}); {@code nettyCodec} is the
 * baseline twin it replaced, Netty's {@code HttpClientCodec} with an {@code HttpObjectAggregator}.
 * Both run on an {@code EmbeddedChannel}, so the pipeline overhead is counted alike.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyCallHttpBenchmark {

    private static final int MAX = 1 << 20;
    private static final String HOST = "127.0.0.1:9100";

    @Param({"1", "8", "64"})
    public int batch;

    private ByteBuf body;
    private byte[] answer;
    private byte[] hostLine;
    private EmbeddedChannel lean;
    private EmbeddedChannel netty;

    @Setup(Level.Trial)
    public void setUp() {
        StringBuilder summaries = new StringBuilder("{\"version\":1,\"requests\":[");
        StringBuilder decisions = new StringBuilder("{\"version\":1,\"decisions\":[");
        for (int i = 0; i < batch; i++) {
            summaries.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"service\":\"shop\","
                    + "\"method\":\"GET\",\"scheme\":\"http\",\"host\":\"shop.example.com\",\"path\":\"/catalog?item=")
                    .append(i).append("\",\"client\":{\"address\":\"203.0.113.9\",\"port\":51234},"
                            + "\"headers\":{\"user-agent\":\"curl/8.5\"}}");
            decisions.append(i == 0 ? "" : ",").append("{\"id\":").append(i)
                    .append(",\"action\":\"forward\",\"pool\":\"bench\",\"ttl_ms\":5000,\"scope\":[\"path\"]}");
        }
        byte[] json = summaries.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        body = PooledByteBufAllocator.DEFAULT.directBuffer(json.length).writeBytes(json);
        byte[] d = decisions.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        answer = ("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + d.length + "\r\n\r\n"
                + new String(d, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        hostLine = RequestHead.hostLine(HOST);
        lean = new EmbeddedChannel(new PolicyResponseDecoder(MAX, false));
        netty = new EmbeddedChannel(new HttpClientCodec(), new HttpObjectAggregator(MAX));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lean.finishAndReleaseAll();
        netty.finishAndReleaseAll();
        body.release();
    }

    @Benchmark
    public int lean() {
        lean.writeOutbound(RequestHead.nativeCall(lean.alloc(), hostLine, body.readableBytes()),
                body.retainedDuplicate());
        int sent = drain(lean);
        lean.writeInbound(Unpooled.wrappedBuffer(answer));
        PolicyResponse r = lean.readInbound();
        int n = r.content().readableBytes() + r.status();
        r.release();
        return n + sent;
    }

    @Benchmark
    public int nettyCodec() {
        FullHttpRequest q = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/decisions",
                body.retainedDuplicate());
        q.headers().set(HttpHeaderNames.HOST, HOST)
                .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        netty.writeOutbound(q);
        int sent = drain(netty);
        netty.writeInbound(Unpooled.wrappedBuffer(answer));
        FullHttpResponse r = netty.readInbound();
        int n = r.content().readableBytes() + r.status().code();
        r.release();
        return n + sent;
    }

    private static int drain(EmbeddedChannel ch) {
        int bytes = 0;
        Object m;
        while ((m = ch.readOutbound()) != null) {
            bytes += ((ByteBuf) m).readableBytes();
            ReferenceCountUtil.release(m);
        }
        return bytes;
    }
}
