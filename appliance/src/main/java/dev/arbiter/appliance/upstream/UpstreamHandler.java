package dev.arbiter.appliance.upstream;

import dev.arbiter.appliance.http.ResponseParser;
import dev.arbiter.appliance.route.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream connection: reads what the backend sends with the
 * connection's {@link ResponseParser} on behalf of the exchange that holds the connection. An
 * idle pooled connection has no owner; anything it receives is a protocol error (a backend may
 * not answer what was not asked), so it is closed.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private final Backend backend;
    private final int loop;
    private final ResponseParser parser = new ResponseParser();
    private UpstreamOwner owner;
    private boolean counted = true;
    /** The connection failed (a reset, a failed write) rather than being closed by the backend's FIN. */
    private boolean broken;

    UpstreamHandler(Backend backend, int loop) {
        this.backend = backend;
        this.loop = loop;
    }

    Backend backend() {
        return backend;
    }

    void owner(UpstreamOwner owner) {
        this.owner = owner;
    }

    UpstreamOwner owner() {
        return owner;
    }

    ResponseParser parser() {
        return parser;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamOwner o = owner;
        if (o != null && msg instanceof ByteBuf bytes) {
            try {
                parser.feed(bytes, o);
            } finally {
                bytes.release();
            }
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamOwner o = owner;
        if (o != null) {
            o.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamOwner o = owner;
        if (o != null) {
            o.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    void releaseSlot() {
        if (counted) {
            counted = false;
            backend.releaseConnection();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseSlot();
        UpstreamOwner o = owner;
        owner = null;
        if (o != null) {
            // Only a clean close ends a body delimited by the close (RFC 9112 6.3): after a
            // reset the body may be short, so the exchange is told the connection broke.
            if (broken || !parser.onClose(o)) {
                o.onUpstreamInactive();
            }
        } else {
            backend.onLoop(loop).idle.remove(ctx.channel());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        broken = true;
        ctx.close();
    }
}
