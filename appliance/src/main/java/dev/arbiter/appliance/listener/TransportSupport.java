package dev.arbiter.appliance.listener;

import dev.arbiter.appliance.config.Transport;
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
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
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
 * @param transport           what is actually in use
 * @param ioHandlerFactory    event-loop I/O handler for that transport
 * @param serverChannelClass  listening socket class
 * @param socketChannelClass  client/upstream socket class
 */
public record TransportSupport(Transport transport, IoHandlerFactory ioHandlerFactory,
                               Class<? extends ServerChannel> serverChannelClass,
                               Class<? extends SocketChannel> socketChannelClass) {

    private static final Logger LOG = Logger.getLogger(TransportSupport.class.getName());

    public static TransportSupport resolve(Transport wanted) {
        if (wanted == Transport.IO_URING) {
            if (IoUring.isAvailable()) {
                return new TransportSupport(Transport.IO_URING, IoUringIoHandler.newFactory(),
                        IoUringServerSocketChannel.class, IoUringSocketChannel.class);
            }
            LOG.warning("transport io_uring is not available (" + IoUring.unavailabilityCause() + "); using epoll");
            wanted = Transport.EPOLL;
        }
        if (wanted == Transport.EPOLL) {
            if (Epoll.isAvailable()) {
                return new TransportSupport(Transport.EPOLL, EpollIoHandler.newFactory(),
                        EpollServerSocketChannel.class, EpollSocketChannel.class);
            }
            LOG.warning("transport epoll is not available (" + Epoll.unavailabilityCause() + "); using nio");
        }
        return new TransportSupport(Transport.NIO, NioIoHandler.newFactory(),
                NioServerSocketChannel.class, NioSocketChannel.class);
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
