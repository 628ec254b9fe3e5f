package dev.arbiter.appliance.upstream;

import dev.arbiter.appliance.listener.TransportSupport;
import dev.arbiter.appliance.route.Backend;
import dev.arbiter.appliance.route.BackendLoopState;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;

/**
 * One event loop's connections to backends: opens them on the loop itself and keeps the idle
 * keep-alive ones per backend (most recently used first), so a request never changes thread and
 * never waits on a lock to get a connection.
 */
public final class UpstreamConnector {

    private final Bootstrap template;
    private final int loop;

    public UpstreamConnector(EventLoop eventLoop, TransportSupport transport, int loop) {
        this.loop = loop;
        this.template = new Bootstrap()
                .group(eventLoop)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
        transport.applyRecvBufferRing(template);
    }

    /** An idle connection to {@code backend} that is still open, or null. */
    public Channel acquire(Backend backend, UpstreamOwner owner) {
        BackendLoopState state = backend.onLoop(loop);
        Channel ch;
        while ((ch = state.idle.pollFirst()) != null) {
            if (ch.isActive()) {
                handler(ch).owner(owner);
                return ch;
            }
        }
        return null;
    }

    /**
     * Opens a new connection to {@code backend}; the caller has reserved a connection slot with
     * {@link Backend#tryReserveConnection()}, which the connection gives back when it closes.
     */
    public ChannelFuture connect(Backend backend, UpstreamOwner owner, long connectTimeoutMillis) {
        UpstreamHandler handler = new UpstreamHandler(backend, loop);
        handler.owner(owner);
        ChannelFuture f = template.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Bytes both ways: requests are written by UpstreamRequestWriter, responses
                        // read by the handler's ResponseParser; nothing is decoded into objects.
                        ch.pipeline().addLast("upstream", handler);
                    }
                })
                .connect(backend.socketAddress());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                // channelInactive never runs for a channel that never connected: give the slot back here.
                handler.owner(null);
                handler.releaseSlot();
            }
        });
        return f;
    }

    /** Gets the connection ready to read the answer to a request; {@code head} when the request is a HEAD. */
    public static void expectResponse(Channel ch, boolean head) {
        handler(ch).parser().reset(head);
    }

    /**
     * Returns a connection whose exchange completed cleanly; keeps at most {@code maxIdle} per
     * backend. One whose backend sent bytes past the end of its response is closed instead.
     */
    public void release(Channel ch, int maxIdle) {
        UpstreamHandler h = handler(ch);
        h.owner(null);
        Backend backend = h.backend();
        BackendLoopState state = backend.onLoop(loop);
        if (!ch.isActive() || backend.retired() || state.idle.size() >= maxIdle || h.parser().extraBytes()) {
            ch.close();
            return;
        }
        state.idle.addFirst(ch);
    }

    /** Closes a connection mid-exchange; it is not reused. */
    public void discard(Channel ch) {
        UpstreamHandler h = handler(ch);
        h.owner(null);
        ch.close();
    }

    /** The connection's last handler; found in O(1), where a lookup by name walks the pipeline. */
    private static UpstreamHandler handler(Channel ch) {
        return (UpstreamHandler) ch.pipeline().last();
    }
}
