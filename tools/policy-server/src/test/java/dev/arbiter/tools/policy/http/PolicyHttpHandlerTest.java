package dev.arbiter.tools.policy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.tools.policy.FailMode;
import dev.arbiter.tools.policy.protocol.NativeCodec;
import dev.arbiter.tools.policy.rules.RuleSet;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One connection's handler on an {@link EmbeddedChannel}, behind the same codecs as the server's pipeline. */
class PolicyHttpHandlerTest {

    private static final String RULES = """
            version: 1
            rules:
              - name: bench
                forward:
                  pool: bench
                ttl-ms: 5000
                scope: [path]
            """;
    private static final String BATCH = "{\"version\":1,\"requests\":[{\"id\":%d,\"service\":\"bench\",\"method\":\"GET\","
            + "\"scheme\":\"http\",\"host\":\"127.0.0.1\",\"path\":\"/\",\"client\":{\"address\":\"127.0.0.1\",\"port\":40000},"
            + "\"headers\":{}}]}";

    private final RecordingAllocator allocator = new RecordingAllocator();

    private EmbeddedChannel connection(long latencyMs) throws Exception {
        Behaviour behaviour = new Behaviour(RuleSet.parse(RULES, "test"), latencyMs, FailMode.NONE, false, false);
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                new HttpObjectAggregator(1 << 20), new PolicyHttpHandler(behaviour, new Counters(), new NativeCodec(), "/auth"));
        channel.config().setAllocator(allocator);
        return channel;
    }

    private static ByteBuf post(long id) {
        String body = String.format(BATCH, id);
        return Unpooled.copiedBuffer("POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body, StandardCharsets.UTF_8);
    }

    /** Everything written to the connection so far, as text; releases what it reads. */
    private static String written(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        for (ByteBuf buf = channel.readOutbound(); buf != null; buf = channel.readOutbound()) {
            out.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        return out.toString();
    }

    @Test
    void shouldAnswerEachNativeBatchWithExactlyTheProtocolBytes() throws Exception {
        EmbeddedChannel channel = connection(0);
        for (long id = 1; id <= 2; id++) {
            channel.writeInbound(post(id));
            String body = "{\"version\":1,\"decisions\":[{\"id\":" + id
                    + ",\"action\":\"forward\",\"pool\":\"bench\",\"ttl_ms\":5000,\"scope\":[\"path\"]}]}";
            assertThat(written(channel)).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: " + body.length()
                    + "\r\ncontent-type: application/json\r\n\r\n" + body);
        }
        assertThat(channel.finishAndReleaseAll()).isFalse();
        allocator.assertAllReleased();
    }

    @Test
    void shouldReleaseADelayedAnswerWhenTheConnectionClosesBeforeItIsDue() throws Exception {
        EmbeddedChannel channel = connection(20);
        // The channel's clock stands still until the test moves it, so the close always comes
        // before the answer is due, however slowly the machine runs the test.
        channel.freezeTime();
        channel.writeInbound(post(1));
        assertThat(allocator.allocated).as("the answer, waiting out its delay").isNotEmpty();
        channel.close().sync();
        channel.advanceTimeBy(40, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(written(channel)).isEmpty();
        allocator.assertAllReleased();
    }

    @Test
    void shouldWriteADelayedAnswerOnceItIsDue() throws Exception {
        EmbeddedChannel channel = connection(20);
        channel.freezeTime();
        channel.writeInbound(post(7));
        assertThat(written(channel)).isEmpty();
        channel.advanceTimeBy(40, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(written(channel)).startsWith("HTTP/1.1 200 OK\r\n").contains("{\"id\":7,");
        assertThat(channel.finishAndReleaseAll()).isFalse();
        allocator.assertAllReleased();
    }

    /** Unpooled buffers that are remembered, so a test can check that each one was released. */
    private static final class RecordingAllocator extends AbstractByteBufAllocator {

        final List<ByteBuf> allocated = new ArrayList<>();

        RecordingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return record(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return record(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        private ByteBuf record(ByteBuf buf) {
            allocated.add(buf);
            return buf;
        }

        void assertAllReleased() {
            for (ByteBuf buf : allocated) {
                assertThat(buf.refCnt()).as("reference count of %s", buf).isZero();
            }
        }
    }
}
