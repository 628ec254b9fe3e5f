package dev.arbiter.appliance.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wrapper passes everything through to Netty's handler except the freeing of the ring. */
class RetainedRingIoHandlerTest {

    @Test
    void shouldCloseChannelsButNeverFreeTheRing() {
        Recording netty = new Recording();
        IoHandler h = RetainedRingIoHandler.wrap(executor -> netty).newHandler(null);
        int before = RetainedRingIoHandler.retired();

        h.initialize();
        h.run(null);
        h.wakeup();
        h.prepareToDestroy();
        h.destroy();

        assertThat(netty.calls).containsExactly("initialize", "run", "wakeup", "prepareToDestroy");
        assertThat(RetainedRingIoHandler.retired() - before).isEqualTo(1);
    }

    /** Stands in for Netty's io_uring handler and records what reaches it. */
    private static final class Recording implements IoHandler {
        final List<String> calls = new ArrayList<>();

        @Override
        public int run(IoHandlerContext context) {
            calls.add("run");
            return 0;
        }

        @Override
        public void initialize() {
            calls.add("initialize");
        }

        @Override
        public void prepareToDestroy() {
            calls.add("prepareToDestroy");
        }

        @Override
        public void destroy() {
            calls.add("destroy");
        }

        @Override
        public IoRegistration register(IoHandle handle) {
            calls.add("register");
            return null;
        }

        @Override
        public void wakeup() {
            calls.add("wakeup");
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return true;
        }
    }
}
