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

    long reserve() {
        return nextToReserve++;
    }

    void complete(ChannelHandlerContext ctx, long sequence, Reply reply) {
        if (!ctx.channel().isActive()) {
            reply.discard();
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
    }
}
