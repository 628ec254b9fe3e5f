package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.config.ApplianceConfig.BackendConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyGroupConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyMode;
import dev.arbiter.appliance.telemetry.RateLimitedLog;
import io.netty.buffer.ByteBuf;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One policy server of a group: its pooled connections, its health and its circuit breaker.
 * Policy I/O thread only.
 *
 * <pre>
 *   CLOSED --(breaker-failures calls in a row fail)--> OPEN --(open-time passes)--> HALF_OPEN
 *     ^                                                  ^                               |
 *     +------------------(the probe call succeeds)-------|-------(the probe call fails)--+
 * </pre>
 */
final class PolicyServerLink {

    private static final Logger LOG = Logger.getLogger(PolicyServerLink.class.getName());
    /**
     * Per server address, shared by every loop's link to it (and kept across reloads): one line
     * per 5 s for its failed calls, one per second for its breaker.
     */
    private static final ConcurrentHashMap<String, RateLimitedLog[]> LOGS = new ConcurrentHashMap<>();
    /** How much of a failed answer's body a log line quotes. */
    private static final int QUOTED_BYTES = 200;

    static final int CLOSED = 0;
    static final int OPEN = 1;
    static final int HALF_OPEN = 2;

    private final PolicyGroup group;
    private final PolicyGroupConfig config;
    private final InetSocketAddress address;
    private final String hostHeader;
    private final byte[] hostLine;
    private final Bootstrap bootstrap;
    private final int maxResponseBytes;
    private final List<PolicyConnection> connections = new ArrayList<>();
    private int consecutiveFailures;
    private volatile int breaker = CLOSED;
    private long openedAtNanos;
    private boolean probeInFlight;
    private volatile boolean healthy = true;
    /** Whose health checks count: this link's own, or (loop hand-off) the first loop's link to the same server. */
    private PolicyServerLink prober = this;
    private int healthFailures;
    private boolean healthInFlight;
    private final RateLimitedLog callFailures;
    private final RateLimitedLog breakerChanges;

    PolicyServerLink(PolicyGroup group, BackendConfig server, Bootstrap template, int maxResponseBytes) {
        this.group = group;
        this.config = group.config();
        this.address = new InetSocketAddress(server.host(), server.port());
        this.hostHeader = server.address();
        this.hostLine = RequestHead.hostLine(hostHeader);
        this.bootstrap = template;
        this.maxResponseBytes = maxResponseBytes;
        RateLimitedLog[] logs = LOGS.computeIfAbsent(hostHeader,
                a -> new RateLimitedLog[] {new RateLimitedLog(5_000), new RateLimitedLog(1_000)});
        this.callFailures = logs[0];
        this.breakerChanges = logs[1];
    }

    PolicyGroup group() {
        return group;
    }

    /** {@code host: ADDRESS\r\n}, the Host header line of every call to this server. */
    byte[] hostLine() {
        return hostLine;
    }

    String address() {
        return hostHeader;
    }

    boolean healthy() {
        return prober.healthy;
    }

    /** Loop hand-off: take health from {@code first}, which probes for every loop's link to the server. */
    void healthFrom(PolicyServerLink first) {
        this.prober = first;
    }

    int breakerState() {
        return breaker;
    }

    /** Whether a call may go to this server now; moves OPEN to HALF_OPEN when the pause is over. */
    boolean accepts(long nowNanos) {
        if (!prober.healthy) {
            return false;
        }
        if (breaker == OPEN && nowNanos - openedAtNanos >= config.breakerOpenMillis() * 1_000_000L) {
            breaker = HALF_OPEN;
            probeInFlight = false;
        }
        return breaker == CLOSED || (breaker == HALF_OPEN && !probeInFlight);
    }

    int outstanding() {
        int n = 0;
        for (PolicyConnection c : connections) {
            n += c.inFlight();
        }
        return n;
    }

    /**
     * The usable connection with the fewest calls in flight and room for one more; opens another
     * (up to the configured count) when all are busy. Null when none has room now.
     */
    PolicyConnection freeConnection() {
        PolicyConnection best = null;
        boolean opening = false;
        for (PolicyConnection c : connections) {
            if (c.usable() && c.inFlight() < config.batchesInFlightPerConnection()
                    && (best == null || c.inFlight() < best.inFlight())) {
                best = c;
            }
            opening |= c.connecting();
        }
        if ((best == null || best.inFlight() > 0) && !opening && connections.size() < config.connectionsPerServer()) {
            open();
        }
        return best;
    }

    void send(PolicyConnection conn, Call call) {
        if (conn.send(call) && breaker == HALF_OPEN) {
            probeInFlight = true;
        }
    }

    /**
     * Opens the configured connections ahead of traffic, each once. A connect can fail before
     * {@code connect} returns (on a loop that is shutting down, for one) and leave the list at
     * once, so this counts its attempts, not the list: retrying on the spot
     * would spin this thread and leak a socket per turn. A failed one is opened again when a call
     * needs it ({@link #freeConnection}), under the circuit breaker.
     */
    void warmUp() {
        for (int missing = config.connectionsPerServer() - connections.size(); missing > 0; missing--) {
            open();
        }
    }

    private void open() {
        group.stats().connects.increment();
        PolicyConnection conn = new PolicyConnection(this);
        connections.add(conn);
        ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new PolicyResponseDecoder(maxResponseBytes, config.mode() == PolicyMode.COMPAT),
                        conn);
            }
        }).connect(address);
        conn.channel(f.channel());
        f.addListener(done -> {
            if (done.isSuccess()) {
                group.pump();
            } else if (connections.contains(conn)) {
                connections.remove(conn);
                onCallFailed(FailureReason.CONNECTION);
                group.failWaitingIfNoServer();
            }
        });
    }

    void removed(PolicyConnection c) {
        connections.remove(c);
    }

    void onCallSucceeded() {
        consecutiveFailures = 0;
        if (breaker != CLOSED) {
            breaker = CLOSED;
            probeInFlight = false;
            long held = breakerChanges.admit(System.nanoTime());
            if (held >= 0) {
                LOG.info(who() + ": answers again, circuit closed" + RateLimitedLog.heldBack(held));
            }
        }
    }

    void onCallFailed(FailureReason reason) {
        onCallFailed(reason, null);
    }

    /**
     * A call failed; {@code answer} is the server's answer when there was one (a status other
     * than 200 is logged with the start of its body: the server's own account of the error).
     */
    void onCallFailed(FailureReason reason, PolicyResponse answer) {
        long now = System.nanoTime();
        long held = callFailures.admit(now);
        if (held >= 0) {
            LOG.warning(who() + ": call failed, " + reason.token() + describe(answer) + RateLimitedLog.heldBack(held));
        }
        if (!reason.countsAgainstServer()) {
            return;
        }
        consecutiveFailures++;
        if (breaker == HALF_OPEN || consecutiveFailures >= config.breakerFailures()) {
            if (breaker != OPEN) {
                long heldOpen = breakerChanges.admit(now);
                if (heldOpen >= 0) {
                    LOG.warning(who() + ": circuit open after " + consecutiveFailures + " failed calls in a row (last: "
                            + reason.token() + "); calls resume in " + config.breakerOpenMillis() + " ms"
                            + RateLimitedLog.heldBack(heldOpen));
                }
            }
            breaker = OPEN;
            openedAtNanos = now;
            probeInFlight = false;
        }
    }

    private String who() {
        return "policy server " + hostHeader + (config.name() != null ? " (group " + config.name() + ")" : "");
    }

    /** {@code ": HTTP 400 {"error":...}"}, printable ASCII only; empty without an answer. */
    private static String describe(PolicyResponse answer) {
        if (answer == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(": HTTP ").append(answer.status());
        ByteBuf body = answer.content();
        int n = Math.min(body.readableBytes(), QUOTED_BYTES);
        if (n > 0) {
            b.append(' ');
            for (int i = 0; i < n; i++) {
                int c = body.getByte(body.readerIndex() + i) & 0xFF;
                b.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
            }
            if (body.readableBytes() > n) {
                b.append("...");
            }
        }
        return b.toString();
    }

    /** Fails calls that overran their time on any connection. */
    void checkOverdue(long nowNanos) {
        for (int i = 0; i < connections.size(); i++) {
            if (connections.get(i).overdue(nowNanos)) {
                // failing closes the connection, which leaves the list: walk a copy from here
                for (PolicyConnection c : new ArrayList<>(connections)) {
                    if (c.overdue(nowNanos)) {
                        c.failAll(FailureReason.TIMEOUT);
                    }
                }
                return;
            }
        }
    }

    /** One health probe: {@code GET health-path} on its own connection; 200 in time passes. */
    void probeHealth(Bootstrap template) {
        if (healthInFlight) {
            return;
        }
        healthInFlight = true;
        boolean[] reported = new boolean[1];
        java.util.function.Consumer<Boolean> done = pass -> {
            if (reported[0]) {
                return;
            }
            reported[0] = true;
            healthInFlight = false;
            if (pass) {
                healthFailures = 0;
                healthy = true;
            } else if (++healthFailures >= 2) {
                healthy = false;
            }
        };
        template.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.healthTimeoutMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new SimpleChannelInboundHandler<HttpObject>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                                if (msg instanceof HttpResponse r) {
                                    done.accept(r.status().code() == 200);
                                    ctx.close();
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                })
                .connect(address)
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        done.accept(false);
                        return;
                    }
                    Channel ch = ((ChannelFuture) f).channel();
                    ch.eventLoop().schedule(() -> {
                        done.accept(false);
                        ch.close();
                    }, config.healthTimeoutMillis(), TimeUnit.MILLISECONDS);
                    ch.closeFuture().addListener(c -> done.accept(false));
                    DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                            config.healthPath());
                    req.headers().set(HttpHeaderNames.HOST, hostHeader)
                            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ch.writeAndFlush(req);
                });
    }

    void close() {
        for (PolicyConnection c : new ArrayList<>(connections)) {
            c.failAll(FailureReason.CONNECTION);
        }
    }
}
