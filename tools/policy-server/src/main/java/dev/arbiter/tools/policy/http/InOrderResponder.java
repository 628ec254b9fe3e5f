package dev.arbiter.tools.policy.http;

import io.netty.channel.ChannelHandlerContext;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps HTTP/1.1 pipelining correct on one connection: replies may become ready out of order
 * (a delayed decision, then an immediate health answer), but are written in request order.
 * Used only on the connection's event loop.
 */
final class InOrderResponder {

    private long nextToReserve;
    private long nextToWrite;
    private final Map<Long, Reply> ready = new HashMap<>();
    /** Replies waiting out an artificial delay: held here so a closed connection releases them too. */
    private final Map<Long, Reply> delayed = new HashMap<>();

    long reserve() {
        return nextToReserve++;
    }

    /** Holds {@code reply} until {@link #completeDelayed}; it is discarded if the connection closes first. */
    void delay(long sequence, Reply reply) {
        delayed.put(sequence, reply);
    }

    /** The delay of a {@link #delay}ed reply is over: completes it, unless the connection has closed meanwhile. */
    void completeDelayed(ChannelHandlerContext ctx, long sequence) {
        Reply reply = delayed.remove(sequence);
        if (reply != null) {
            complete(ctx, sequence, reply);
        }
    }

    void complete(ChannelHandlerContext ctx, long sequence, Reply reply) {
        if (!ctx.channel().isActive()) {
            reply.discard();
            return;
        }
        if (sequence == nextToWrite && ready.isEmpty()) {
            // The usual case, nothing pipelined ahead of it: write at once, without boxing a key.
            nextToWrite++;
            reply.writeTo(ctx);
            return;
        }
        ready.put(sequence, reply);
        Reply next;
        while ((next = ready.remove(nextToWrite)) != null) {
            nextToWrite++;
            next.writeTo(ctx);
        }
    }

    void discardAll() {
        ready.values().forEach(Reply::discard);
        ready.clear();
        delayed.values().forEach(Reply::discard);
        delayed.clear();
    }
}
