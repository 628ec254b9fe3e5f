package dev.arbiter.appliance.policy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.List;

/** A native batch: {@code POST /v1/decisions} with many summaries, answered by id. */
final class NativeCall extends Call implements NativeCodec.Sink {

    private final List<PendingRequest> requests;
    private final ByteBuf body;
    private final boolean[] answered;
    /** The decisions read, by request; delivered once the whole answer has been read. */
    private final Decision[] decisions;
    private final NativeCodec.Decoder decoder;
    /** Where the next decision most likely is: servers tend to answer in request order. */
    private int cursor;
    private int found = -1;

    /** @param decoder the group's, used on its thread when the answer comes */
    NativeCall(List<PendingRequest> requests, ByteBuf body, long giveUpNanos, NativeCodec.Decoder decoder) {
        super(giveUpNanos);
        this.requests = requests;
        this.body = body;
        this.answered = new boolean[requests.size()];
        this.decisions = new Decision[requests.size()];
        this.decoder = decoder;
    }

    /** The head and the body go out as two buffers of one write (the body is not copied). */
    @Override
    void writeTo(Channel ch, byte[] hostLine) {
        ch.write(RequestHead.nativeCall(ch.alloc(), hostLine, body.readableBytes()), ch.voidPromise());
        ch.writeAndFlush(body.retainedDuplicate(), ch.voidPromise());
    }

    @Override
    FailureReason complete(PolicyResponse response, Deliveries out, long nowNanos) {
        if (response.status() != 200) {
            fail(FailureReason.STATUS, out);
            return FailureReason.STATUS;
        }
        try {
            decoder.decode(response.content(), this);
        } catch (NativeCodec.InvalidResponse e) {
            // Nothing of a broken answer is carried out, the decisions read before the break included.
            java.util.Arrays.fill(answered, false);
            fail(FailureReason.INVALID_RESPONSE, out);
            return FailureReason.INVALID_RESPONSE;
        }
        for (int i = 0; i < requests.size(); i++) {
            out.add(requests.get(i), answered[i] ? decisions[i] : Decision.failed(FailureReason.MISSING_DECISION.token()),
                    nowNanos);
        }
        release();
        return null;
    }

    @Override
    public PendingRequest pending(long id) {
        int n = requests.size();
        for (int k = 0, i = cursor; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
            if (requests.get(i).id == id) {
                if (answered[i]) {
                    return null; // the first decision for an id wins
                }
                found = i;
                cursor = i + 1 == n ? 0 : i + 1;
                return requests.get(i);
            }
        }
        return null;
    }

    @Override
    public void decided(PendingRequest request, Decision decision) {
        int i = found >= 0 && requests.get(found) == request ? found : requests.indexOf(request);
        answered[i] = true;
        decisions[i] = decision;
    }

    @Override
    void fail(FailureReason reason, Deliveries out) {
        Decision d = Decision.failed(reason.token());
        for (int i = 0; i < requests.size(); i++) {
            if (!answered[i]) {
                answered[i] = true;
                out.add(requests.get(i), d, 0);
            }
        }
        release();
    }

    @Override
    void requeue(PolicyGroup group) {
        for (int i = requests.size() - 1; i >= 0; i--) {
            if (!answered[i]) {
                answered[i] = true;
                group.requeueFirst(requests.get(i));
            }
        }
        release();
    }

    private void release() {
        if (body.refCnt() > 0) {
            body.release();
        }
    }

    @Override
    int size() {
        return requests.size();
    }
}
