package dev.arbiter.benchmarks.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.arbiter.appliance.policy.PendingRequest;
import dev.arbiter.appliance.policy.SummarySlot;
import dev.arbiter.tools.policy.FailMode;
import dev.arbiter.tools.policy.http.Behaviour;
import dev.arbiter.tools.policy.http.Counters;
import dev.arbiter.tools.policy.http.PolicyHttpHandler;
import dev.arbiter.tools.policy.protocol.BadBatchException;
import dev.arbiter.tools.policy.protocol.CacheHint;
import dev.arbiter.tools.policy.protocol.Decision;
import dev.arbiter.tools.policy.protocol.NativeCodec;
import dev.arbiter.tools.policy.protocol.RequestSummary;
import dev.arbiter.tools.policy.rules.RuleSet;
import dev.arbiter.tools.policy.rules.RulesException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * The reference policy server's side of a native call, per batch of 1, 8 and 64 summaries as the
 * appliance encodes them: read the batch, write one forward decision per summary. {@code stream}
 * is the server's codec (Jackson parser and generator); {@code tree} is its baseline twin, the
 * same work through Jackson's tree model ({@code readTree}, {@code ObjectNode}). {@code call} is
 * one whole native call through the server's pipeline on an {@link EmbeddedChannel} (HTTP codec,
 * aggregator, {@link PolicyHttpHandler}, the benchmark rules): request bytes in a pooled direct
 * buffer, as epoll reads them, to response bytes, without the sockets. The JIT takes about ten
 * one-second iterations to settle on that whole pipeline on a two-CPU box, hence its own warmup;
 * {@code -wi} on the command line overrides it, so give {@code call} {@code -wi 10}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyServerCodecBenchmark {

    @Param({"1", "8", "64"})
    public int batch;

    private PolicyBench bench;
    private byte[] body;
    private List<Decision> decisions;
    private final NativeCodec codec = new NativeCodec();
    private final ObjectMapper mapper = new ObjectMapper();
    private byte[] request;
    private EmbeddedChannel connection;

    @Setup(Level.Trial)
    public void setUp() throws IOException, RulesException {
        bench = new PolicyBench();
        List<PendingRequest> requests = new ArrayList<>();
        decisions = new ArrayList<>();
        SummarySlot slot = SummarySlot.FACTORY.newInstance();
        InetSocketAddress client = new InetSocketAddress("203.0.113.9", 51234);
        Decision forward = new Decision.Forward(null, null, null, "item=1", Map.of("x-tenant", "blue"), List.of(),
                new CacheHint(30_000, List.of("method", "path", "query")));
        for (int i = 0; i < batch; i++) {
            slot.fill(i, 0, bench.policy, "GET", "shop.example.com", "/catalog?item=" + i + "&sid=abc&utm_source=x",
                    client, 8080, bench.headers, null, 0);
            requests.add(PendingRequest.of(slot));
            decisions.add(forward);
        }
        ByteBuf out = Unpooled.buffer();
        dev.arbiter.appliance.policy.NativeCodec.encode(requests, out, new dev.arbiter.appliance.policy.SummaryTexts());
        body = ByteBufUtil.getBytes(out);
        out.release();
        request = ("POST /v1/decisions HTTP/1.1\r\nHost: policy\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n" + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        RuleSet rules = RuleSet.parse("version: 1\nrules:\n  - name: bench\n    forward:\n      pool: bench\n"
                + "    ttl-ms: 5000\n    scope: [path]\n", "benchmark");
        connection = new EmbeddedChannel(new HttpServerCodec(), new HttpServerKeepAliveHandler(), new HttpObjectAggregator(1 << 20),
                new PolicyHttpHandler(new Behaviour(rules, 0, FailMode.NONE, false, false), new Counters(), codec, "/auth"));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        connection.finishAndReleaseAll();
        bench.close();
    }

    @Benchmark
    public int stream() throws BadBatchException {
        List<RequestSummary> summaries = codec.readBatch(body);
        return codec.writeDecisions(summaries, decisions).length;
    }

    @Benchmark
    @Warmup(iterations = 10, time = 1)
    public int call() {
        ByteBuf in = ByteBufAllocator.DEFAULT.directBuffer(request.length).writeBytes(request);
        connection.writeInbound(in);
        int written = 0;
        for (ByteBuf out = connection.readOutbound(); out != null; out = connection.readOutbound()) {
            written += out.readableBytes();
            out.release();
        }
        return written;
    }

    @Benchmark
    public int tree() throws IOException {
        JsonNode root = mapper.readTree(body);
        List<RequestSummary> summaries = new ArrayList<>();
        for (JsonNode r : root.get("requests")) {
            JsonNode client = r.path("client");
            Map<String, String> headers = new LinkedHashMap<>();
            r.path("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
            summaries.add(new RequestSummary(r.get("id").asLong(), r.path("service").asText(), r.path("method").asText(),
                    r.path("scheme").asText(), r.path("host").asText(), r.path("path").asText(),
                    client.path("address").asText(), client.path("port").asInt(0), headers));
        }
        ObjectNode answer = mapper.createObjectNode();
        answer.put("version", 1);
        ArrayNode array = answer.putArray("decisions");
        for (int i = 0; i < summaries.size(); i++) {
            Decision.Forward f = (Decision.Forward) decisions.get(i);
            ObjectNode d = array.addObject();
            d.put("id", summaries.get(i).id());
            d.put("action", "forward");
            d.putObject("rewrite").put("query", f.rewriteQuery());
            ObjectNode set = d.putObject("set_headers");
            f.setHeaders().forEach(set::put);
            d.put("ttl_ms", f.cache().ttlMs());
            ArrayNode scope = d.putArray("scope");
            f.cache().scope().forEach(scope::add);
        }
        return mapper.writeValueAsBytes(answer).length;
    }
}
