package dev.arbiter.appliance;

import dev.arbiter.appliance.admin.AdminServer;
import dev.arbiter.appliance.config.ApplianceConfig;
import dev.arbiter.appliance.config.ApplianceConfig.ListenerConfig;
import dev.arbiter.appliance.config.ConfigException;
import dev.arbiter.appliance.config.ConfigLoader;
import dev.arbiter.appliance.config.Transport;
import dev.arbiter.appliance.exchange.ApplianceState;
import dev.arbiter.appliance.exchange.ClientChannelInitializer;
import dev.arbiter.appliance.exchange.LoopContext;
import dev.arbiter.appliance.http.ClientAddress;
import dev.arbiter.appliance.listener.EventLoops;
import dev.arbiter.appliance.listener.TransportSupport;
import dev.arbiter.appliance.policy.LoopPolicy;
import dev.arbiter.appliance.policy.PolicyStage;
import dev.arbiter.appliance.route.Backend;
import dev.arbiter.appliance.route.RoutingTable;
import dev.arbiter.appliance.telemetry.ApplianceStats;
import dev.arbiter.appliance.upstream.HealthChecker;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The running appliance: event loops and their listeners, the control thread (health checks,
 * reload, drain) and the admin listener.
 *
 * <pre>
 *   loops (pinned, one per CPU) : accept + HTTP + route + upstream pools   [data plane]
 *   control thread              : health checks, reload, drain             [control plane]
 *   admin thread                : /healthz /readyz /metrics /reload /drain
 *   they meet only through ApplianceState (volatile snapshot references)
 * </pre>
 */
public final class Appliance implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Appliance.class.getName());

    private final Path configFile;
    private final TransportSupport transport;
    private final EventLoops loops;
    private final LoopContext[] contexts;
    private final MultiThreadIoEventLoopGroup controlGroup;
    private final EventLoop control;
    private final ApplianceState state;
    private final PolicyStage policy;
    private final HealthChecker health;
    private final Map<String, InetSocketAddress> boundListeners = new LinkedHashMap<>();
    private final List<Channel> serverChannels = new ArrayList<>();
    private final AdminServer admin;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean ready;

    private Appliance(ApplianceConfig config, Path configFile) throws InterruptedException {
        this.configFile = configFile;
        TransportSupport transport = TransportSupport.resolve(config.runtime().transport(),
                config.runtime().recvRingBuffers(), config.runtime().recvBufferMaxBytes());
        this.transport = transport;
        if (config.runtime().busyPollMicros() > 0 && transport.transport() != Transport.EPOLL) {
            LOG.warning("busy-poll-us applies to transport epoll only; " + transport.transport().name().toLowerCase()
                    + " ignores it (the kernel's net.core.busy_poll/busy_read sysctls still apply)");
        }
        this.loops = new EventLoops(config.runtime(), transport);
        int n = loops.loops().size();
        this.policy = new PolicyStage(config.policy(), transport, n, i -> loops.loops().get(i));
        RoutingTable table = RoutingTable.build(config, null, n);
        policy.attach(table);
        this.state = new ApplianceState(table, new ApplianceStats(n));
        this.contexts = new LoopContext[n];
        for (int i = 0; i < n; i++) {
            contexts[i] = new LoopContext(i, loops.loops().get(i), state, transport,
                    config.runtime().timerResolutionMillis(), policy);
            LoopContext c = contexts[i];
            c.eventLoop().submit(c::start).sync();
        }
        policy.start(i -> contexts[i].policy());
        this.controlGroup = new MultiThreadIoEventLoopGroup(1,
                new io.netty.util.concurrent.DefaultThreadFactory("arbiter-control"), transport.ioHandlerFactory());
        this.control = controlGroup.next();
        this.health = new HealthChecker(control, transport);
        health.apply(state.routing());
        bindListeners(config, transport);
        this.admin = new AdminServer(this, controlGroup, transport, config.admin());
        ready = true;
        LOG.info("appliance ready: " + n + " event loop(s) on " + transport.transport().name().toLowerCase()
                + ", CPUs " + config.runtime().eventLoopCores() + (config.runtime().pinThreads() ? " (pinned)" : "")
                + (transport.recvRingBuffers() > 0 ? ", receive ring of " + transport.recvRingBuffers()
                        + " buffers of up to " + transport.recvBufferMaxBytes() / 1024 + " KiB per loop" : ""));
    }

    /** Loads {@code configFile} and starts; nothing starts if the file has any error. */
    public static Appliance start(Path configFile) throws ConfigException, InterruptedException {
        return new Appliance(ConfigLoader.load(configFile), configFile);
    }

    /** Starts from an already validated config; {@link #reload()} re-reads {@code configFile} if given. */
    public static Appliance start(ApplianceConfig config, Path configFile) throws InterruptedException {
        return new Appliance(config, configFile);
    }

    private void bindListeners(ApplianceConfig config, TransportSupport transport) throws InterruptedException {
        for (ListenerConfig l : config.listeners()) {
            ClientChannelInitializer init = new ClientChannelInitializer(contexts, l.name());
            int port = l.port();
            boolean perLoop = true;
            for (LoopContext c : contexts) {
                ServerBootstrap b = new ServerBootstrap()
                        .channel(transport.serverChannelClass())
                        .option(ChannelOption.SO_BACKLOG, 4096)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                        .childHandler(init);
                transport.applyBusyPoll(b, config.runtime().busyPollMicros());
                transport.applyRecvBufferRing(b);
                perLoop = transport.applyReusePort(b);
                if (perLoop) {
                    b.group(c.eventLoop(), c.eventLoop());
                } else {
                    b.group(c.eventLoop(), loops.group());
                }
                Channel ch = b.bind(l.address(), port).sync().channel();
                serverChannels.add(ch);
                InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
                port = bound.getPort();
                boundListeners.putIfAbsent(l.name(), bound);
                if (!perLoop) {
                    break; // NIO has no SO_REUSEPORT: one acceptor hands connections to all loops
                }
            }
            LOG.info("listener " + l.name() + " on http://" + hostPort(boundListeners.get(l.name())));
        }
    }

    static String hostPort(InetSocketAddress a) {
        String host = ClientAddress.text(a.getAddress());
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Where listener {@code name} is bound (the actual port when the config said 0). */
    public InetSocketAddress listenerAddress(String name) {
        return boundListeners.get(name);
    }

    /** The I/O layer in use (after any fallback) and its settings. */
    public TransportSupport transport() {
        return transport;
    }

    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    public ApplianceState state() {
        return state;
    }

    public boolean ready() {
        return ready && !state.draining();
    }

    /** The data-plane event loops, loop i on the i-th configured CPU. */
    public List<EventLoop> eventLoops() {
        return loops.loops();
    }

    public int loopCount() {
        return contexts.length;
    }

    public Path configFile() {
        return configFile;
    }

    /**
     * Re-reads the config file and swaps the routing snapshot in one reference write: requests in
     * flight finish on the table they started with, new ones use the new table. Listener, core,
     * transport and admin changes need a restart; they are reported back, not applied.
     *
     * @return notes for the operator (settings that need a restart)
     * @throws ConfigException when the file is invalid; the running config is untouched
     */
    public synchronized List<String> reload() throws ConfigException {
        if (configFile == null) {
            throw new IllegalStateException("started without a config file");
        }
        ApplianceConfig next = ConfigLoader.load(configFile);
        ApplianceConfig current = state.routing().config();
        List<String> notes = new ArrayList<>();
        if (!next.listeners().equals(current.listeners())) {
            notes.add("listeners changed: takes effect after a restart");
        }
        if (!next.runtime().equals(current.runtime())) {
            notes.add("runtime (cores, pinning, transport) changed: takes effect after a restart");
        }
        if (!next.admin().equals(current.admin())) {
            notes.add("admin changed: takes effect after a restart");
        }
        if (policyEngineChanged(next, current)) {
            notes.add("policy hand-off, ring-size, wait-strategy, max-batch, batcher-cpu, max-response-size or cache-entries "
                    + "changed: takes effect after a restart");
        }
        RoutingTable table = RoutingTable.build(next, state.routing(), contexts.length);
        policy.attach(table);
        state.routing(table);
        health.apply(table);
        closeIdleOf(table.retired());
        LOG.info("config reloaded from " + configFile + (notes.isEmpty() ? "" : " " + notes));
        return notes;
    }

    private static boolean policyEngineChanged(ApplianceConfig a, ApplianceConfig b) {
        var x = a.policy();
        var y = b.policy();
        return x.handOff() != y.handOff() || x.ringSize() != y.ringSize() || x.waitStrategy() != y.waitStrategy() || x.maxBatch() != y.maxBatch()
                || x.batcherCpu() != y.batcherCpu() || x.maxResponseBytes() != y.maxResponseBytes()
                || x.cacheEntriesPerLoop() != y.cacheEntriesPerLoop();
    }

    public PolicyStage policy() {
        return policy;
    }

    /** Each event loop's own state, in loop order. */
    public List<LoopContext> loopContexts() {
        return List.of(contexts);
    }

    /** Each loop's policy state (decision cache counters are read from here by /metrics). */
    public List<LoopPolicy> loopPolicies() {
        List<LoopPolicy> out = new ArrayList<>();
        for (LoopContext c : contexts) {
            out.add(c.policy());
        }
        return out;
    }

    /** Each loop closes its idle connections to backends the new config dropped; busy ones close when done. */
    private void closeIdleOf(List<Backend> retired) {
        if (retired.isEmpty()) {
            return;
        }
        for (LoopContext c : contexts) {
            c.eventLoop().execute(() -> {
                for (Backend b : retired) {
                    List<Channel> idle = new ArrayList<>(b.onLoop(c.index()).idle);
                    idle.forEach(Channel::close);
                }
            });
        }
    }

    /**
     * Stops accepting, lets in-flight exchanges finish (idle keep-alive connections close, busy
     * ones close after their response), then shuts down; at most {@code drainTimeout}.
     */
    public void drain() {
        if (state.draining()) {
            return;
        }
        state.startDraining();
        for (Channel ch : serverChannels) {
            ch.close();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(state.routing().config().admin().drainTimeoutMillis());
        LOG.info("draining: " + state.stats().clientConnections().get() + " client connection(s) open");
        control.scheduleAtFixedRate(() -> {
            if (terminated.isDone()) {
                return;
            }
            if (state.stats().clientConnections().get() == 0 || System.nanoTime() > deadline) {
                LOG.info("drained: " + state.stats().clientConnections().get() + " connection(s) left");
                new Thread(this::close, "arbiter-shutdown").start();
            }
        }, 50, 50, TimeUnit.MILLISECONDS);
    }

    /** Completes when the appliance has shut down (after a drain, or {@link #close()}). */
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    @Override
    public synchronized void close() {
        if (terminated.isDone()) {
            return;
        }
        ready = false;
        for (Channel ch : serverChannels) {
            ch.close().syncUninterruptibly();
        }
        admin.close();
        health.close();
        for (LoopContext c : contexts) {
            c.eventLoop().execute(c::stop);
        }
        policy.close();
        loops.close();
        controlGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        terminated.complete(null);
    }
}
