package dev.arbiter.appliance.exchange;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sits in front of the HTTP decoder and tells the connection when request bytes arrive, so the
 * header deadline (408) counts from the first byte of a request, not from the end of the last.
 */
final class RequestStartWatcher extends ChannelInboundHandlerAdapter {

    private final ClientConnection connection;

    RequestStartWatcher(ClientConnection connection) {
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        connection.onBytes();
        ctx.fireChannelRead(msg);
    }
}
