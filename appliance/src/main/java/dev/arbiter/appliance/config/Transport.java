package dev.arbiter.appliance.config;

/** The I/O layer under the event loops. */
public enum Transport {
    /** Linux epoll through Netty's native transport: the default. */
    EPOLL,
    /**
     * Linux io_uring, where the kernel allows it: opt-in. With Netty 4.2.18 a loop that is shut
     * down while other threads wake it can have the kernel complete its wake-up read into memory
     * it has already freed (see docs/config.md, {@code runtime.transport}).
     */
    IO_URING,
    /** Java NIO: the portable last resort. */
    NIO
}
