package dev.arbiter.appliance.policy;

import com.lmax.disruptor.EventHandler;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The ring's consumer: drains whatever summaries are available and turns them into calls.
 *
 * <p>Batching is the Disruptor's natural batching: the processor hands over every slot
 * published since the last turn, and a batch is sent at the end of that run (or when it
 * reaches {@code max-batch}). A lone request is therefore sent at once, with no timer, and
 * under load batches grow by themselves. Calls go to the policy I/O thread with one task each.
 */
final class PolicyBatcher implements EventHandler<SummarySlot> {

    private final int maxBatch;
    private final List<PolicyGroup> touched = new ArrayList<>();

    PolicyBatcher(int maxBatch) {
        this.maxBatch = maxBatch;
    }

    @Override
    public void onEvent(SummarySlot slot, long sequence, boolean endOfBatch) throws IOException {
        PendingRequest p = new PendingRequest(slot);
        slot.clear();
        PolicyGroup g = p.policy.group();
        long giveUp = p.publishNanos + p.policy.deadlineNanos();
        if (g.config().mode() == PolicyMode.COMPAT) {
            g.stats().recordBatch(1);
            handOff(g, new CompatCall(p, g.config().compatPath(), g.config().compatHeaders(), p.localPort, giveUp));
        } else {
            if (g.batch.isEmpty()) {
                touched.add(g);
                g.batchGiveUpNanos = giveUp;
            }
            g.batch.add(p);
            g.batchGiveUpNanos = Math.max(g.batchGiveUpNanos, giveUp);
            if (g.batch.size() >= maxBatch) {
                flush(g);
            }
        }
        if (endOfBatch) {
            for (int i = 0; i < touched.size(); i++) {
                PolicyGroup t = touched.get(i);
                if (!t.batch.isEmpty()) {
                    flush(t);
                }
            }
            touched.clear();
        }
    }

    private void flush(PolicyGroup g) throws IOException {
        List<PendingRequest> requests = new ArrayList<>(g.batch);
        g.batch.clear();
        g.stats().recordBatch(requests.size());
        ByteBuf body = PooledByteBufAllocator.DEFAULT.directBuffer(256 * requests.size());
        try {
            NativeCodec.encode(requests, body);
        } catch (IOException | RuntimeException e) {
            body.release();
            throw e;
        }
        handOff(g, new NativeCall(requests, body, g.batchGiveUpNanos));
    }

    private static void handOff(PolicyGroup g, Call call) {
        g.io().execute(() -> g.submit(call));
    }
}
