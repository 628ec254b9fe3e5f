package dev.arbiter.tools.backend;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A small HTTP/1.1 origin server for the demo, the tests and the benchmarks.
 *
 * <p>Every request is answered with a short text naming the backend, the request it saw and the
 * size and CRC-32 of the body it received; bodies stream both ways and are never held whole.
 * Query parameters shape the answer: {@code bytes=N} streams an N-byte body, {@code status=N}
 * sets the status, {@code delay-ms=N} answers late. {@code GET /healthz} answers 200 while the
 * backend is healthy and 503 otherwise. In-process users (tests) can also switch the
 * {@link Behaviour} to simulate failing backends and read the requests it {@link #received()}.
 */
public final class DemoBackend implements AutoCloseable {

    /** How the backend treats requests, switchable at run time by tests. */
    public enum Behaviour {
        NORMAL,
        /** Close the connection with a TCP reset as soon as a request header arrives. */
        RESET_BEFORE_HEADER,
        /** Send the response header and part of the body, then reset the connection. */
        RESET_AFTER_HEADER,
        /** Read requests but never answer. */
        STALL,
        /** Answer every request with 500. */
        FAIL_500
    }

    private final String name;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final AtomicReference<Behaviour> behaviour = new AtomicReference<>(Behaviour.NORMAL);
    private volatile boolean healthy = true;
    private final BlockingQueue<ReceivedRequest> received = new LinkedBlockingQueue<>();
    private final AtomicInteger requestCount = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final io.netty.channel.group.ChannelGroup children =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

    private DemoBackend(String name, InetSocketAddress bind, int threads) throws InterruptedException {
        this.name = name;
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(threads, io);
        Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        openConnections.incrementAndGet();
                        children.add(ch);
                        ch.closeFuture().addListener(f -> openConnections.decrementAndGet());
                        ch.pipeline().addLast(new HttpServerCodec(), new BackendHandler(DemoBackend.this));
                    }
                });
        this.serverChannel = bootstrap.bind(bind).sync().channel();
    }

    /** Starts a backend named {@code name} on {@code bind} (port 0 picks a free port). */
    public static DemoBackend start(String name, InetSocketAddress bind) throws InterruptedException {
        return new DemoBackend(name, bind, 1);
    }

    /** Starts a backend on 127.0.0.1 with a free port. */
    public static DemoBackend start(String name) throws InterruptedException {
        return start(name, new InetSocketAddress("127.0.0.1", 0));
    }

    public String name() {
        return name;
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** {@code 127.0.0.1:PORT}, the form the appliance config uses. */
    public String address() {
        InetSocketAddress a = (InetSocketAddress) serverChannel.localAddress();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    public void behaviour(Behaviour b) {
        behaviour.set(b);
    }

    Behaviour behaviour() {
        return behaviour.get();
    }

    public void healthy(boolean h) {
        healthy = h;
    }

    boolean healthy() {
        return healthy;
    }

    /** Requests whose body has been read completely, in arrival order. */
    public BlockingQueue<ReceivedRequest> received() {
        return received;
    }

    /** Requests answered or started, health checks excluded. */
    public int requestCount() {
        return requestCount.get();
    }

    public int openConnections() {
        return openConnections.get();
    }

    void onRequestStarted() {
        requestCount.incrementAndGet();
    }

    void onRequestReceived(ReceivedRequest r) {
        received.add(r);
    }

    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        // Close open connections at once, like a process that exits: peers see the close now,
        // not whenever the event loop gets round to it.
        children.close().awaitUninterruptibly(2, java.util.concurrent.TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Command line: one or more backends on consecutive ports, running until killed. */
    @Command(name = "demo-backend", mixinStandardHelpOptions = true,
            description = "HTTP demo backend(s) on loopback for the Arbiter demo and benchmarks.")
    static final class Cli implements Callable<Integer> {
        @Option(names = "--address", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}).")
        String address;

        @Option(names = "--port", required = true, description = "First port; backend i listens on port+i.")
        int port;

        @Option(names = "--count", defaultValue = "1", description = "How many backends (default ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--name", defaultValue = "backend", description = "Name prefix (default ${DEFAULT-VALUE}).")
        String name;

        @Option(names = "--threads", defaultValue = "1", description = "Event loop threads per backend (default ${DEFAULT-VALUE}).")
        int threads;

        @Override
        public Integer call() throws Exception {
            List<DemoBackend> backends = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String n = count == 1 ? name : name + "-" + (i + 1);
                DemoBackend b = new DemoBackend(n, new InetSocketAddress(address, port + i), threads);
                backends.add(b);
                System.out.println("backend " + n + " listening on http://" + address + ":" + b.port());
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> backends.forEach(DemoBackend::close)));
            Thread.currentThread().join();
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Cli()).execute(args));
    }
}
