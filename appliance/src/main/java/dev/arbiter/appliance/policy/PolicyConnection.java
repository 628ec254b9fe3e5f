package dev.arbiter.appliance.policy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * One keep-alive connection to a policy server, with calls pipelined on it. HTTP/1.1 answers
 * come in request order, so the oldest call in flight owns the next answer. Any connection
 * error, a garbled or oversized answer, or the oldest call overrunning its time fails every
 * call in flight and closes the connection: after that the answer order cannot be trusted.
 */
final class PolicyConnection extends ChannelInboundHandlerAdapter {

    private final PolicyServerLink server;
    private final ArrayDeque<Call> inFlight = new ArrayDeque<>();
    private Channel channel;
    private boolean broken;

    PolicyConnection(PolicyServerLink server) {
        this.server = server;
    }

    PolicyServerLink server() {
        return server;
    }

    void channel(Channel ch) {
        this.channel = ch;
    }

    boolean usable() {
        return channel != null && channel.isActive() && !broken;
    }

    boolean connecting() {
        return channel != null && !channel.isActive() && channel.isOpen() && !broken;
    }

    int inFlight() {
        return inFlight.size();
    }

    /** @return false when the call could not be written (a header that would break the request); it failed */
    boolean send(Call call) {
        try {
            call.writeTo(channel, server.hostLine());
        } catch (IllegalArgumentException e) {
            Deliveries out = server.group().deliveries();
            call.fail(FailureReason.INVALID_DECISION, out);
            server.group().stats().callFailures[FailureReason.INVALID_DECISION.ordinal()].increment();
            out.flush();
            return false;
        }
        inFlight.addLast(call);
        return true;
    }

    /** The oldest call's time ran out: fail everything on this connection. */
    boolean overdue(long nowNanos) {
        Call oldest = inFlight.peekFirst();
        return oldest != null && nowNanos - oldest.giveUpNanos > 0;
    }

    void failAll(FailureReason reason) {
        if (broken) {
            return;
        }
        broken = true;
        Deliveries out = server.group().deliveries();
        Call c;
        boolean any = false;
        long now = System.nanoTime();
        while ((c = inFlight.pollFirst()) != null) {
            if (reason == FailureReason.TIMEOUT && now - c.giveUpNanos < 0) {
                // Behind the overdue call on the same connection, with time left: not this
                // call's failure. Its requests go out again on another connection.
                c.requeue(server.group());
                continue;
            }
            c.fail(reason, out);
            server.group().stats().callFailures[reason.ordinal()].increment();
            any = true;
        }
        out.flush();
        if (any) {
            server.onCallFailed(reason);
        }
        if (channel != null) {
            channel.close();
        }
        server.group().pump();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof PolicyResponse response)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (response.failure() != null) {
                failAll(response.failure());
                return;
            }
            Call call = inFlight.pollFirst();
            if (call == null) {
                failAll(FailureReason.INVALID_RESPONSE);
                return;
            }
            Deliveries out = server.group().deliveries();
            FailureReason failure = call.complete(response, out, System.nanoTime());
            out.flush();
            if (failure != null) {
                server.group().stats().callFailures[failure.ordinal()].increment();
                server.onCallFailed(failure, failure == FailureReason.STATUS ? response : null);
            } else {
                server.onCallSucceeded();
            }
            server.group().pump();
        } finally {
            response.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failAll(FailureReason.CONNECTION);
        server.removed(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failAll(FailureReason.CONNECTION);
    }
}
