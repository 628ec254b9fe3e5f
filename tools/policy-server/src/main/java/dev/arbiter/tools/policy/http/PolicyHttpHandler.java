package dev.arbiter.tools.policy.http;

import dev.arbiter.tools.policy.FailMode;
import dev.arbiter.tools.policy.protocol.BadBatchException;
import dev.arbiter.tools.policy.protocol.Decision;
import dev.arbiter.tools.policy.protocol.NativeCodec;
import dev.arbiter.tools.policy.protocol.RequestSummary;
import dev.arbiter.tools.policy.rules.RuleSet;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Routes one connection's requests to the endpoints:
 *
 * <pre>
 *   POST /v1/decisions   native batch          (latency and fail mode apply)
 *   ANY  {compat path}   compatibility mode    (latency and fail mode apply)
 *   GET  /v1/health      200 {"status":"ok"}   (fail mode only with failHealth)
 *   GET  /v1/stats       counters as JSON
 * </pre>
 *
 * One instance per connection: it owns the connection's {@link InOrderResponder}.
 */
public final class PolicyHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String DECISIONS_PATH = "/v1/decisions";
    static final String HEALTH_PATH = "/v1/health";
    static final String STATS_PATH = "/v1/stats";
    /** First guess at an answer's size; a decision without headers or rewrite is about 100 bytes. */
    private static final int ANSWER_BYTES_PER_DECISION = 128;

    private final Behaviour behaviour;
    private final Counters counters;
    private final NativeCodec codec;
    private final String compatPath;
    private final InOrderResponder responder = new InOrderResponder();
    /** Whether this connection is already among {@link Counters#batchConnections()}: its address never changes. */
    private boolean countedAsBatchCaller;

    public PolicyHttpHandler(Behaviour behaviour, Counters counters, NativeCodec codec, String compatPath) {
        this.behaviour = behaviour;
        this.counters = counters;
        this.codec = codec;
        this.compatPath = compatPath;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        long sequence = responder.reserve();
        if (!request.decoderResult().isSuccess()) {
            answer(ctx, sequence, Reply.text(400, "cannot parse request: " + request.decoderResult().cause() + "\n"), 0);
            return;
        }
        String path = pathOf(request.uri());
        boolean isGet = request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD);
        if (path.equals(DECISIONS_PATH) && request.method().equals(HttpMethod.POST)) {
            countBatchCaller(ctx);
            answer(ctx, sequence, decideBatch(ctx, request), behaviour.latencyMs());
        } else if (path.equals(compatPath)) {
            answer(ctx, sequence, decideCompat(request), behaviour.latencyMs());
        } else if (path.equals(HEALTH_PATH) && isGet) {
            answer(ctx, sequence, health(), 0);
        } else if (path.equals(STATS_PATH) && isGet) {
            answer(ctx, sequence, Reply.json(200, statsJson()), 0);
        } else if (path.equals(DECISIONS_PATH) || path.equals(HEALTH_PATH) || path.equals(STATS_PATH)) {
            answer(ctx, sequence, Reply.text(405, "method " + request.method() + " not allowed on " + path + "\n"), 0);
        } else {
            answer(ctx, sequence, Reply.text(404, "no endpoint " + path + "; see " + DECISIONS_PATH + ", "
                + compatPath + ", " + HEALTH_PATH + ", " + STATS_PATH + "\n"), 0);
        }
    }

    private void countBatchCaller(ChannelHandlerContext ctx) {
        if (!countedAsBatchCaller) {
            countedAsBatchCaller = true;
            counters.batchCallers.add(ctx.channel().remoteAddress());
        }
    }

    private Reply decideBatch(ChannelHandlerContext ctx, FullHttpRequest request) {
        counters.batches.increment();
        List<RequestSummary> summaries;
        try {
            summaries = codec.readBatch(request.content());
        } catch (BadBatchException e) {
            return Reply.json(400, codec.writeError(e));
        }
        counters.requests.add(summaries.size());
        RuleSet rules = behaviour.rules();
        List<Decision> decisions = new ArrayList<>(summaries.size());
        for (int i = 0; i < summaries.size(); i++) {
            RequestSummary summary = summaries.get(i);
            decisions.add(rules.decide(summary));
            log(rules, summary);
        }
        FailMode fail = behaviour.failMode();
        if (fail.active()) {
            return InjectedFailure.forBatch(fail, codec.writeDecisions(summaries, decisions));
        }
        ByteBuf answer = ctx.alloc().buffer(ANSWER_BYTES_PER_DECISION * (summaries.size() + 1));
        try {
            codec.writeDecisions(summaries, decisions, answer);
        } catch (RuntimeException e) {
            answer.release();
            throw e;
        }
        return Reply.json(200, answer);
    }

    private Reply decideCompat(FullHttpRequest request) {
        counters.compatRequests.increment();
        RequestSummary summary = CompatCodec.readSummary(request.method().name(), request.headers());
        RuleSet rules = behaviour.rules();
        Reply answer = CompatCodec.writeDecision(rules.decide(summary));
        log(rules, summary);
        FailMode fail = behaviour.failMode();
        return fail.active() ? InjectedFailure.forCompat(fail, answer) : answer;
    }

    private Reply health() {
        counters.healthChecks.increment();
        Reply ok = Reply.json(200, "{\"status\":\"ok\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        FailMode fail = behaviour.failMode();
        return behaviour.failHealth() && fail.active() ? InjectedFailure.forHealth(fail, ok) : ok;
    }

    private byte[] statsJson() {
        var stats = counters.snapshot();
        var node = codec.mapper().createObjectNode();
        node.put("batches", stats.batches());
        node.put("requests", stats.requests());
        node.put("compat_requests", stats.compatRequests());
        node.put("health_checks", stats.healthChecks());
        return codec.bytes(node);
    }

    /** Writes {@code reply} in its turn, after {@code delayMs}; a null reply (hang) is never written. */
    private void answer(ChannelHandlerContext ctx, long sequence, Reply reply, long delayMs) {
        if (reply == null) {
            return;
        }
        if (delayMs == 0) {
            responder.complete(ctx, sequence, reply);
        } else {
            responder.delay(sequence, reply);
            ctx.executor().schedule(() -> responder.completeDelayed(ctx, sequence), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private void log(RuleSet rules, RequestSummary summary) {
        if (behaviour.logDecisions()) {
            System.out.println("decision id=" + summary.id() + " service=" + summary.service() + " " + summary.method()
                + " " + summary.host() + summary.path() + " -> " + rules.ruleNameFor(summary));
        }
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        responder.discardAll();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
