package dev.arbiter.tools.policy;

import dev.arbiter.tools.policy.http.Behaviour;
import dev.arbiter.tools.policy.http.Counters;
import dev.arbiter.tools.policy.http.PolicyHttpHandler;
import dev.arbiter.tools.policy.protocol.NativeCodec;
import dev.arbiter.tools.policy.rules.RuleSet;
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
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The reference policy server: serves the native batch mode, the compatibility mode, health
 * and stats from a {@link RuleSet}. Start it from the command line ({@link #main}) or
 * in-process from tests:
 *
 * <pre>
 *   try (PolicyServer server = PolicyServer.start(RuleSet.load(path), new InetSocketAddress("127.0.0.1", 0), Options.defaults())) {
 *       int port = server.port();
 *       ...
 *       assertThat(server.stats().batches()).isLessThan(requests);
 *   }
 * </pre>
 *
 * Threads: {@code ioThreads} Netty event loops (native epoll when available, NIO otherwise);
 * each connection stays on one loop, and rules are evaluated on it (they are cheap and immutable).
 */
public final class PolicyServer implements AutoCloseable {

    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final Behaviour behaviour;
    private final Counters counters;

    private PolicyServer(EventLoopGroup group, Channel serverChannel, Behaviour behaviour, Counters counters) {
        this.group = group;
        this.serverChannel = serverChannel;
        this.behaviour = behaviour;
        this.counters = counters;
    }

    public static void main(String[] args) {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // As in the appliance: leak tracking records a stack trace for a sample of buffers on
            // every call's path. Tests run it at "paranoid"; from the command line it is off unless
            // asked for (-Dio.netty.leakDetection.level).
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
        System.exit(PolicyServerCommand.run(args));
    }

    /** Binds {@code bind} (port 0 picks a free port) and starts serving; throws (java.net.BindException among others) if it cannot bind. */
    public static PolicyServer start(RuleSet rules, InetSocketAddress bind, Options options) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory ioHandlers = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.ioThreads(), ioHandlers);
        Behaviour behaviour = new Behaviour(rules, options.latencyMs(), options.failMode(), options.failHealth(), options.logDecisions());
        Counters counters = new Counters();
        NativeCodec codec = new NativeCodec();
        try {
            Channel channel = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(
                            new HttpServerCodec(),
                            new HttpServerKeepAliveHandler(),
                            new HttpObjectAggregator(options.maxRequestBytes()),
                            new PolicyHttpHandler(behaviour, counters, codec, options.compatPath()));
                    }
                })
                .bind(bind).sync().channel();
            return new PolicyServer(group, channel, behaviour, counters);
        } catch (Throwable e) {
            // Netty rethrows a failed bind's BindException unchecked-style: catch everything.
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    public int port() {
        return address().getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** {@code http://127.0.0.1:9090}, IPv6 in brackets. */
    public String baseUrl() {
        InetSocketAddress address = address();
        String host = address.getAddress().getHostAddress();
        return "http://" + (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    public Stats stats() {
        return counters.snapshot();
    }

    /** Distinct client connections that have sent native batch calls (how many the caller pools). */
    public int batchConnections() {
        return counters.batchConnections();
    }

    public RuleSet rules() {
        return behaviour.rules();
    }

    /** Replaces the rules; calls that arrive afterwards use the new ones. */
    public void rules(RuleSet rules) {
        behaviour.rules(rules);
    }

    /** Changes the injected failure, e.g. to test circuit-breaker recovery: fail, then {@link FailMode#NONE}. */
    public void failMode(FailMode mode) {
        behaviour.failMode(mode);
    }

    /** Changes the artificial delay of decision answers. */
    public void latencyMs(long ms) {
        behaviour.latencyMs(ms);
    }

    /** Stops listening, closes every connection, and waits for the event loops to finish. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
