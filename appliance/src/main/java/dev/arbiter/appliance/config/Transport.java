package dev.arbiter.appliance.config;

/** The I/O layer under the event loops. */
public enum Transport {
    /** Linux epoll through Netty's native transport: the default. */
    EPOLL,
    /**
     * Linux io_uring, where the kernel allows it: opt-in, with a warning at start. With Netty
     * 4.2.18 its event loops can damage the native heap as they shut down, most likely a wake-up
     * read completing into a buffer the loop already freed (docs/config.md, {@code runtime.transport}).
     */
    IO_URING,
    /** Java NIO: the portable last resort. */
    NIO
}
