package dev.arbiter.appliance.upstream;

import dev.arbiter.appliance.config.ApplianceConfig.HealthCheckConfig;
import dev.arbiter.appliance.listener.TransportSupport;
import dev.arbiter.appliance.route.Backend;
import dev.arbiter.appliance.route.Pool;
import dev.arbiter.appliance.route.RoutingTable;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Active HTTP health checks, on the control thread, never on an event loop.
 *
 * <p>Every {@code interval} each checked backend gets {@code GET path} on a fresh connection; a
 * 2xx or 3xx within {@code timeout} is a pass. {@code fall} failures in a row take the backend
 * out, {@code rise} passes in a row bring it back (also after a passive ejection). Run counts
 * are kept per backend object, which survives reloads, so a reload does not reset health.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(HealthChecker.class.getName());

    private final EventLoop control;
    private final Bootstrap template;
    private final Map<Backend, Runs> runs = new IdentityHashMap<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    public HealthChecker(EventLoop control, TransportSupport transport) {
        this.control = control;
        this.template = new Bootstrap().group(control).channel(transport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true);
        transport.applyRecvBufferRing(template);
    }

    /** Replaces the set of checks with those of {@code table}; runs on the control thread. */
    public void apply(RoutingTable table) {
        control.execute(() -> {
            tasks.forEach(t -> t.cancel(false));
            tasks.clear();
            Map<Backend, Runs> kept = new IdentityHashMap<>();
            for (Pool pool : table.pools()) {
                HealthCheckConfig hc = pool.config().healthCheck();
                if (hc == null) {
                    continue;
                }
                for (Backend b : pool.backends()) {
                    Runs r = runs.getOrDefault(b, new Runs());
                    kept.put(b, r);
                    tasks.add(control.scheduleAtFixedRate(() -> check(b, hc, r), 0, hc.intervalMillis(),
                            TimeUnit.MILLISECONDS));
                }
            }
            runs.clear();
            runs.putAll(kept);
        });
    }

    private void check(Backend b, HealthCheckConfig hc, Runs r) {
        if (r.inFlight) {
            return;
        }
        r.inFlight = true;
        Consumer<Boolean> done = new Consumer<>() {
            private boolean reported;

            @Override
            public void accept(Boolean pass) {
                if (!reported) {
                    reported = true;
                    r.inFlight = false;
                    record(b, hc, r, pass);
                }
            }
        };
        template.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) hc.timeoutMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new ProbeHandler(done));
                    }
                })
                .connect(b.socketAddress())
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        done.accept(false);
                        return;
                    }
                    Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                    ScheduledFuture<?> timeout = control.schedule(() -> {
                        done.accept(false);
                        ch.close();
                    }, hc.timeoutMillis(), TimeUnit.MILLISECONDS);
                    ch.closeFuture().addListener(c -> {
                        timeout.cancel(false);
                        done.accept(false); // no-op when the probe already answered
                    });
                    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, hc.path());
                    req.headers().set(HttpHeaderNames.HOST, b.address())
                            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                            .set(HttpHeaderNames.USER_AGENT, "arbiter-health-check");
                    ch.writeAndFlush(req);
                });
    }

    private static void record(Backend b, HealthCheckConfig hc, Runs r, boolean pass) {
        if (r.seenUp && !b.checkUp()) {
            r.passes = 0; // ejected by live traffic since the last check: it must earn its way back
        }
        recordRun(b, hc, r, pass);
        r.seenUp = b.checkUp();
    }

    private static void recordRun(Backend b, HealthCheckConfig hc, Runs r, boolean pass) {
        if (pass) {
            r.fails = 0;
            r.passes++;
            if (!b.checkUp() && r.passes >= hc.rise()) {
                b.checkResult(true);
                LOG.info("backend " + b + " is up: " + r.passes + " checks passed");
            }
        } else {
            r.passes = 0;
            r.fails++;
            if (b.checkUp() && r.fails >= hc.fall()) {
                b.checkResult(false);
                LOG.warning("backend " + b + " is down: " + r.fails + " checks failed");
            }
        }
    }

    @Override
    public void close() {
        control.execute(() -> {
            tasks.forEach(t -> t.cancel(false));
            tasks.clear();
        });
    }

    /** Consecutive results for one backend; control thread only. */
    private static final class Runs {
        int passes;
        int fails;
        boolean inFlight;
        boolean seenUp = true;
    }

    /** Reads the status line and closes. */
    private static final class ProbeHandler extends SimpleChannelInboundHandler<HttpObject> {
        private final Consumer<Boolean> done;

        ProbeHandler(Consumer<Boolean> done) {
            this.done = done;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                int code = r.status().code();
                done.accept(r.decoderResult().isSuccess() && code >= 200 && code < 400);
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.accept(false);
            ctx.close();
        }
    }
}
