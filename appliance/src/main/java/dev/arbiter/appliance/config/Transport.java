package dev.arbiter.appliance.config;

/** The I/O layer under the event loops. */
public enum Transport {
    /** Linux epoll through Netty's native transport: the default. */
    EPOLL,
    /**
     * Linux io_uring, where the kernel allows it (5.19+, for provided-buffer rings). Each loop
     * keeps its ring until the process exits rather than let Netty 4.2.18 free memory the kernel
     * can still write into (docs/config.md, {@code runtime.transport}).
     */
    IO_URING,
    /** Java NIO: the portable last resort. */
    NIO
}
