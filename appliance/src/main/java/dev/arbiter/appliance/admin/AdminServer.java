package dev.arbiter.appliance.admin;

import dev.arbiter.appliance.Appliance;
import dev.arbiter.appliance.config.ApplianceConfig.AdminConfig;
import dev.arbiter.appliance.config.ConfigError;
import dev.arbiter.appliance.config.ConfigException;
import dev.arbiter.appliance.listener.TransportSupport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener (loopback by default), served on the control thread, never on a data loop.
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><td>GET /healthz</td><td>200 while the process serves</td></tr>
 *   <tr><td>GET /readyz</td><td>200 when listeners are bound and not draining, else 503</td></tr>
 *   <tr><td>GET /metrics</td><td>Prometheus text exposition</td></tr>
 *   <tr><td>POST /reload</td><td>re-read the config file; 200, or 400 with one error per line</td></tr>
 *   <tr><td>POST /drain</td><td>202; stop accepting, finish in-flight requests, exit</td></tr>
 * </table>
 */
public final class AdminServer implements AutoCloseable {

    private final Appliance appliance;
    private final JvmMetrics jvm = new JvmMetrics();
    private final Channel channel;

    /**
     * Binds the admin listener.
     *
     * @param source the config file, for the error when the socket cannot be bound
     * @throws ConfigException when the admin address and port cannot be bound
     */
    public AdminServer(Appliance appliance, EventLoopGroup group, TransportSupport transport, AdminConfig config, String source)
            throws ConfigException, InterruptedException {
        this.appliance = appliance;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelClass())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new Handler());
                    }
                });
        transport.applyRecvBufferRing(bootstrap);
        ChannelFuture bound = bootstrap.bind(config.address(), config.port()).await();
        if (!bound.isSuccess()) {
            jvm.close();
            throw new ConfigException(List.of(ConfigError.cannotBind(source, config.line(), config.key(), config.address(),
                    config.port(), bound.cause())));
        }
        this.channel = bound.channel();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Bounded, like the listeners' close: the shutdown goes on even if the admin loop is wedged. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        jvm.close();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String path = req.uri();
            int q = path.indexOf('?');
            path = q < 0 ? path : path.substring(0, q);
            boolean get = req.method() == HttpMethod.GET;
            boolean post = req.method() == HttpMethod.POST;
            FullHttpResponse res;
            if (path.equals("/healthz") && get) {
                res = text(HttpResponseStatus.OK, "ok\n");
            } else if (path.equals("/readyz") && get) {
                res = appliance.ready() ? text(HttpResponseStatus.OK, "ready\n")
                        : text(HttpResponseStatus.SERVICE_UNAVAILABLE, appliance.state().draining() ? "draining\n" : "starting\n");
            } else if (path.equals("/metrics") && get) {
                res = text(HttpResponseStatus.OK, MetricsWriter.render(appliance, jvm, System.nanoTime() / 1_000_000));
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            } else if (path.equals("/reload") && post) {
                res = reload();
            } else if (path.equals("/drain") && post) {
                appliance.drain();
                res = text(HttpResponseStatus.ACCEPTED, "draining\n");
            } else if (path.equals("/healthz") || path.equals("/readyz") || path.equals("/metrics")
                    || path.equals("/reload") || path.equals("/drain")) {
                res = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
            } else {
                res = text(HttpResponseStatus.NOT_FOUND, "endpoints: GET /healthz /readyz /metrics, POST /reload /drain\n");
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(res, keepAlive);
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private FullHttpResponse reload() {
            try {
                List<String> notes = appliance.reload();
                StringBuilder sb = new StringBuilder("reloaded\n");
                notes.forEach(n -> sb.append(n).append('\n'));
                return text(HttpResponseStatus.OK, sb.toString());
            } catch (ConfigException e) {
                return text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
            } catch (IllegalStateException e) {
                return text(HttpResponseStatus.CONFLICT, "reload refused: " + e.getMessage() + "\n");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return text(HttpResponseStatus.SERVICE_UNAVAILABLE, "reload interrupted\n");
            } catch (RuntimeException e) {
                return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "reload failed: " + e + "\n");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return r;
    }
}
