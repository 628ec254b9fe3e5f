package dev.arbiter.appliance.listener;

import dev.arbiter.appliance.config.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringAdaptiveBufferRingAllocator;
import io.netty.channel.uring.IoUringBufferRingConfig;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.bootstrap.ServerBootstrap;
import java.util.logging.Logger;

/**
 * The chosen I/O layer: its event-loop factory and channel classes, resolved once at start.
 *
 * <p>Asking for io_uring or epoll where the kernel or the native library does not allow it falls
 * back (io_uring to epoll, epoll to NIO) with a warning, so the appliance still serves; the warning
 * names the cause.
 *
 * <p>io_uring sockets read into a provided-buffer ring ({@link #applyRecvBufferRing}). Without
 * one, Netty 4.2.18 reads a socket only after a multishot POLLIN, and can miss a peer's reset that
 * arrives together with its last data:
 * <pre>
 *  data + RST arrive   the multishot POLLIN fires once; the one-shot POLLRDHUP fires (noted)
 *  recv gets the data  the error stays pending; no IORING_CQE_F_SOCK_NONEMPTY, since the kernel
 *                      counts unread bytes (and a FIN), not an error
 *  read loop ends      "socket empty" wins over the noted POLLRDHUP
 *  next read()         POLLIN is still armed, so no recv is queued, and no new wakeup comes
 *  result              ECONNRESET is never read: no exceptionCaught, no channelInactive,
 *                      and the exchange waits on that connection until something else ends it
 * </pre>
 * With a buffer ring Netty queues the recv itself (multishot where the kernel has it), and a
 * queued recv completes with the error. Turning multishot POLL_ADD off instead also surfaces the
 * error, but Netty's one-shot POLLIN path can arm a poll after close() has cancelled the others;
 * that poll keeps the socket open after its descriptor is closed, so the peer sees no FIN until it
 * sends or closes itself (a rejected client waits for the close).
 * Kernels without buffer rings (before 5.19) get epoll.
 *
 * <p>io_uring loops keep their rings when they stop ({@link RetainedRingIoHandler}): Netty 4.2.18
 * frees memory there that the kernel can still write into.
 *
 * @param transport           what is actually in use
 * @param ioHandlerFactory    event-loop I/O handler for that transport
 * @param serverChannelClass  listening socket class
 * @param socketChannelClass  client/upstream socket class
 * @param recvRingBuffers     io_uring: buffers in each loop's receive ring; 0 for other transports
 * @param recvBufferMaxBytes  io_uring: the largest receive buffer; 0 for other transports
 */
public record TransportSupport(Transport transport, IoHandlerFactory ioHandlerFactory,
                               Class<? extends ServerChannel> serverChannelClass,
                               Class<? extends SocketChannel> socketChannelClass,
                               int recvRingBuffers, int recvBufferMaxBytes) {

    private static final Logger LOG = Logger.getLogger(TransportSupport.class.getName());

    /**
     * Set to true, io_uring loops free their rings as they stop, through Netty's own teardown,
     * instead of keeping them ({@link RetainedRingIoHandler}): only to check whether a newer Netty
     * still damages the heap there (benchmarks/results/2026-11-28-io-uring-teardown/).
     */
    public static final String FREE_RINGS_PROPERTY = "arbiter.io-uring.free-rings";

    /** Buffer group of each io_uring loop's receive ring. */
    private static final short RECV_BUFFER_GROUP = 0;
    /** Buffers are added to a ring this many at a time (at most the ring's size) as reads need them. */
    private static final int RECV_RING_BATCH = 64;
    /** The defaults of {@code runtime.io-uring-recv-buffers} and {@code io-uring-recv-buffer-max}. */
    public static final int DEFAULT_RECV_RING_BUFFERS = 512;
    public static final int DEFAULT_RECV_BUFFER_MAX = 64 * 1024;

    /** {@link #resolve(Transport, int, int)} with the default receive ring. */
    public static TransportSupport resolve(Transport wanted) {
        return resolve(wanted, DEFAULT_RECV_RING_BUFFERS, DEFAULT_RECV_BUFFER_MAX);
    }

    /**
     * @param ringBuffers    io_uring: buffers in each loop's receive ring (a power of two, at most 16384)
     * @param maxBufferBytes io_uring: the largest receive buffer; sizes adapt between 1 KiB and this
     */
    public static TransportSupport resolve(Transport wanted, int ringBuffers, int maxBufferBytes) {
        if (wanted == Transport.IO_URING) {
            if (!IoUring.isAvailable()) {
                LOG.warning("transport io_uring is not available (" + IoUring.unavailabilityCause() + "); using epoll");
            } else if (!IoUring.isRegisterBufferRingSupported()) {
                LOG.warning("transport io_uring needs provided-buffer rings (kernel 5.19+), without which a peer's"
                        + " reset can go unnoticed; using epoll");
            } else {
                IoHandlerFactory netty = IoUringIoHandler.newFactory(ioUringConfig(ringBuffers, maxBufferBytes));
                return new TransportSupport(Transport.IO_URING,
                        Boolean.getBoolean(FREE_RINGS_PROPERTY) ? netty : RetainedRingIoHandler.wrap(netty),
                        IoUringServerSocketChannel.class, IoUringSocketChannel.class, ringBuffers, maxBufferBytes);
            }
            wanted = Transport.EPOLL;
        }
        if (wanted == Transport.EPOLL) {
            if (Epoll.isAvailable()) {
                return new TransportSupport(Transport.EPOLL, EpollIoHandler.newFactory(),
                        EpollServerSocketChannel.class, EpollSocketChannel.class, 0, 0);
            }
            LOG.warning("transport epoll is not available (" + Epoll.unavailabilityCause() + "); using nio");
        }
        return new TransportSupport(Transport.NIO, NioIoHandler.newFactory(),
                NioServerSocketChannel.class, NioSocketChannel.class, 0, 0);
    }

    /**
     * Buffer sizes adapt to what reads return (1 KiB up to {@code maxBufferBytes}, from 4 KiB), as
     * Netty's default per-channel receive allocator does; the buffers come from the pooled
     * allocator. A loop's ring holds at most {@code ringBuffers} of them; when every buffer is in
     * use, reads wait for the ring to be refilled, which costs time, not data.
     */
    private static IoUringIoHandlerConfig ioUringConfig(int ringBuffers, int maxBufferBytes) {
        int min = Math.min(IoUringAdaptiveBufferRingAllocator.DEFAULT_MINIMUM, maxBufferBytes);
        int initial = Math.min(IoUringAdaptiveBufferRingAllocator.DEFAULT_INITIAL, maxBufferBytes);
        return new IoUringIoHandlerConfig().setBufferRingConfig(IoUringBufferRingConfig.builder()
                .bufferGroupId(RECV_BUFFER_GROUP)
                .bufferRingSize((short) ringBuffers)
                .batchSize(Math.min(RECV_RING_BATCH, ringBuffers))
                .allocator(new IoUringAdaptiveBufferRingAllocator(PooledByteBufAllocator.DEFAULT, min, initial,
                        maxBufferBytes))
                .build());
    }

    /**
     * Makes io_uring sockets read into their loop's buffer ring, so that a reset is never missed
     * (see the class comment); every io_uring stream socket the appliance opens should have it.
     */
    public void applyRecvBufferRing(Bootstrap bootstrap) {
        if (transport == Transport.IO_URING) {
            bootstrap.option(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, RECV_BUFFER_GROUP);
        }
    }

    /** As {@link #applyRecvBufferRing(Bootstrap)}, for accepted sockets. */
    public void applyRecvBufferRing(ServerBootstrap bootstrap) {
        if (transport == Transport.IO_URING) {
            bootstrap.childOption(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, RECV_BUFFER_GROUP);
        }
    }

    /** Busy polling on accepted sockets (epoll only; the kernel needs CONFIG_NET_RX_BUSY_POLL). */
    public void applyBusyPoll(ServerBootstrap bootstrap, int micros) {
        if (micros > 0 && transport == Transport.EPOLL) {
            bootstrap.childOption(EpollChannelOption.SO_BUSY_POLL, micros);
        }
    }

    /**
     * Sets SO_REUSEPORT so that each event loop binds its own socket on the same address and the
     * kernel spreads new connections over them; NIO cannot, so there one loop accepts for all.
     */
    public boolean applyReusePort(ServerBootstrap bootstrap) {
        switch (transport) {
            case EPOLL -> bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
            case IO_URING -> bootstrap.option(IoUringChannelOption.SO_REUSEPORT, true);
            default -> {
                return false;
            }
        }
        return true;
    }
}
