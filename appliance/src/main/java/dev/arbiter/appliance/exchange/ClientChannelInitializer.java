package dev.arbiter.appliance.exchange;

import dev.arbiter.appliance.config.ApplianceConfig.LimitsConfig;
import dev.arbiter.appliance.http.ResponseEncoder;
import dev.arbiter.appliance.http.StrictRequestDecoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import java.nio.charset.StandardCharsets;

/**
 * Builds the pipeline of each accepted client connection on one loop:
 * {@code watcher -> decoder -> encoder -> connection}. Limits are read from the routing snapshot
 * current at accept time, so a reload applies to new connections without touching old ones.
 */
public final class ClientChannelInitializer extends ChannelInitializer<Channel> {

    private static final byte[] FULL = ("HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n"
            + "content-length: 24\r\nconnection: close\r\n\r\nconnection limit reached").getBytes(StandardCharsets.US_ASCII);

    private final LoopContext[] loops;
    private final String listener;

    /** @param loops every loop's context; a connection is served by the one whose event loop it is on */
    public ClientChannelInitializer(LoopContext[] loops, String listener) {
        this.loops = loops;
        this.listener = listener;
    }

    private LoopContext loopOf(Channel ch) {
        for (LoopContext l : loops) {
            if (l.eventLoop() == ch.eventLoop()) {
                return l;
            }
        }
        throw new IllegalStateException("connection on an event loop the appliance does not own");
    }

    @Override
    protected void initChannel(Channel ch) {
        LoopContext loop = loopOf(ch);
        LimitsConfig limits = loop.state().routing().config().limits();
        loop.state().stats().onLoop(loop.index()).accepted++;
        int open = loop.state().stats().clientConnections().incrementAndGet();
        if (open > limits.maxClientConnections() || loop.state().draining()) {
            loop.state().stats().clientConnections().decrementAndGet();
            loop.state().stats().onLoop(loop.index()).connectionsRefused++;
            ch.writeAndFlush(Unpooled.wrappedBuffer(FULL)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ResponseEncoder encoder = new ResponseEncoder();
        ClientConnection connection = new ClientConnection(loop, listener, limits, encoder);
        ch.pipeline().addLast("watcher", new RequestStartWatcher(connection))
                .addLast("decoder", new StrictRequestDecoder(limits.maxRequestLineBytes(), limits.maxHeaderBytes()))
                .addLast("encoder", encoder)
                .addLast("connection", connection);
    }
}
