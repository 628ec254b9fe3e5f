package dev.arbiter.appliance.config;

/** The I/O layer under the event loops. */
public enum Transport {
    /** Linux epoll through Netty's native transport: the default. */
    EPOLL,
    /** Linux io_uring, where the kernel allows it. */
    IO_URING,
    /** Java NIO: the portable last resort. */
    NIO
}
