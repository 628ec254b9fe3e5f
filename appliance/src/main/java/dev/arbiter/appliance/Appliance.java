package dev.arbiter.appliance;

import dev.arbiter.appliance.admin.AdminServer;
import dev.arbiter.appliance.config.ApplianceConfig;
import dev.arbiter.appliance.config.ApplianceConfig.ListenerConfig;
import dev.arbiter.appliance.config.ConfigError;
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
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
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
    /** Open listeners by name; changed by start, reload, drain and close, under this object's lock. */
    private final Map<String, OpenListener> listeners = new LinkedHashMap<>();
    private final AdminServer admin;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean ready;

    private Appliance(ApplianceConfig config, Path configFile) throws ConfigException, InterruptedException {
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
        AdminServer adminServer = null;
        try {
            for (ListenerConfig l : config.listeners()) {
                OpenListener open = bind(l, config);
                open.accept();
                listeners.put(l.name(), open);
                LOG.info("listener " + l.name() + " on http://" + hostPort(open.bound));
            }
            adminServer = new AdminServer(this, controlGroup, transport, config.admin(), config.source());
        } catch (ConfigException | RuntimeException | InterruptedException e) {
            close();
            throw e;
        } finally {
            this.admin = adminServer;
        }
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
    public static Appliance start(ApplianceConfig config, Path configFile) throws ConfigException, InterruptedException {
        return new Appliance(config, configFile);
    }

    /** A listener's server channels: one per loop with SO_REUSEPORT, else one acceptor for all loops. */
    private static final class OpenListener {
        final ListenerConfig config;
        final List<Channel> channels = new ArrayList<>();
        InetSocketAddress bound;

        OpenListener(ListenerConfig config) {
            this.config = config;
        }

        /** Starts accepting (a listener bound by a reload waits for the new routing table). */
        void accept() {
            channels.forEach(ch -> ch.config().setAutoRead(true));
        }

        /** Bounded: a wedged event loop must not keep a reload or the shutdown waiting forever. */
        void close() {
            for (Channel ch : channels) {
                if (!ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS)) {
                    LOG.warning("listener " + config.name() + ": its event loop did not close the socket within 5 s");
                }
            }
        }
    }

    /**
     * Binds listener {@code l}, not yet accepting ({@link OpenListener#accept}): the kernel queues
     * connections until then.
     *
     * @throws ConfigException naming the listener's port in the file when the socket cannot be bound
     */
    private OpenListener bind(ListenerConfig l, ApplianceConfig config) throws ConfigException, InterruptedException {
        ClientChannelInitializer init = new ClientChannelInitializer(contexts, l.name());
        OpenListener open = new OpenListener(l);
        int port = l.port();
        if (port != 0 && !ownsPort(port)) {
            probe(l, config);
        }
        try {
            for (LoopContext c : contexts) {
                ServerBootstrap b = new ServerBootstrap()
                        .channel(transport.serverChannelClass())
                        .option(ChannelOption.SO_BACKLOG, 4096)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .option(ChannelOption.AUTO_READ, false)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                        .childHandler(init);
                transport.applyBusyPoll(b, config.runtime().busyPollMicros());
                transport.applyRecvBufferRing(b);
                boolean perLoop = transport.applyReusePort(b);
                if (perLoop) {
                    b.group(c.eventLoop(), c.eventLoop());
                } else {
                    b.group(c.eventLoop(), loops.group());
                }
                ChannelFuture f = b.bind(l.address(), port).await();
                if (!f.isSuccess()) {
                    throw new ConfigException(List.of(ConfigError.cannotBind(config.source(), l.line(), l.key(), l.address(), port,
                            f.cause())));
                }
                open.channels.add(f.channel());
                if (open.bound == null) {
                    open.bound = (InetSocketAddress) f.channel().localAddress();
                    port = open.bound.getPort();
                }
                if (!perLoop) {
                    break; // NIO has no SO_REUSEPORT: one acceptor hands connections to all loops
                }
            }
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            open.close();
            throw e;
        }
        return open;
    }

    private boolean ownsPort(int port) {
        for (OpenListener open : listeners.values()) {
            if (open.bound.getPort() == port) {
                return true;
            }
        }
        return false;
    }

    /**
     * With SO_REUSEPORT (one acceptor per loop) the kernel would let this socket share a port
     * another process listens on, and split the connections between the two: a second appliance
     * started by mistake would take part of the traffic. So a plain socket is bound to the same
     * address and port first, never listening (it accepts nothing): with SO_REUSEADDR the kernel
     * refuses it exactly when some socket listens there, and lets it be for connections of an
     * earlier run still in TIME_WAIT.
     */
    private static void probe(ListenerConfig l, ApplianceConfig config) throws ConfigException {
        try (Socket probe = new Socket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(l.address(), l.port()));
        } catch (IOException e) {
            throw new ConfigException(List.of(ConfigError.cannotBind(config.source(), l.line(), l.key(), l.address(), l.port(), e)));
        }
    }

    static String hostPort(InetSocketAddress a) {
        String host = ClientAddress.text(a.getAddress());
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Where listener {@code name} is bound (the actual port when the config said 0). */
    public synchronized InetSocketAddress listenerAddress(String name) {
        OpenListener open = listeners.get(name);
        return open == null ? null : open.bound;
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

    /** The thread id of event loop i. */
    public long loopThreadId(int loop) {
        return loops.threadId(loop);
    }

    public Path configFile() {
        return configFile;
    }

    /**
     * Re-reads the config file and swaps the routing snapshot in one reference write: requests in
     * flight finish on the table they started with, new ones use the new table. Listeners follow
     * the file: a new or moved one is bound before anything changes (a socket that cannot be
     * bound fails the reload and changes nothing) and accepts once the new table is in place; a
     * removed or moved one stops accepting, and connections that came in on a removed one are
     * drained (idle ones close, busy ones after their response). Core, transport, admin and
     * policy-engine changes need a restart; they are reported back, not applied.
     *
     * @return notes for the operator (listeners changed, settings that need a restart)
     * @throws ConfigException when the file is invalid or a listener cannot be bound; the running
     *                         config is untouched
     * @throws IllegalStateException while draining
     */
    public synchronized List<String> reload() throws ConfigException, InterruptedException {
        if (configFile == null) {
            throw new IllegalStateException("started without a config file");
        }
        if (state.draining() || terminated.isDone()) {
            throw new IllegalStateException("the appliance is draining");
        }
        ApplianceConfig next = ConfigLoader.load(configFile);
        ApplianceConfig current = state.routing().config();
        List<String> notes = new ArrayList<>();
        if (!next.runtime().equals(current.runtime())) {
            notes.add("runtime (cores, pinning, transport) changed: takes effect after a restart");
        }
        if (!next.admin().sameSettings(current.admin())) {
            notes.add("admin changed: takes effect after a restart");
        }
        if (policyEngineChanged(next, current)) {
            notes.add("policy hand-off, ring-size, wait-strategy, max-batch, batcher-cpu, max-response-size or cache-entries "
                    + "changed: takes effect after a restart");
        }
        Map<String, OpenListener> opened = new LinkedHashMap<>();
        try {
            for (ListenerConfig l : next.listeners()) {
                OpenListener was = listeners.get(l.name());
                if (was == null || !was.config.sameSocket(l)) {
                    opened.put(l.name(), bind(l, next));
                }
            }
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            opened.values().forEach(OpenListener::close);
            throw e;
        }
        // Removed and moved listeners stop accepting before the new table is in place, so every
        // connection they accepted is there for the loops to check against it.
        List<String> gone = new ArrayList<>(listeners.keySet());
        next.listeners().forEach(l -> gone.remove(l.name()));
        for (String name : gone) {
            OpenListener old = listeners.remove(name);
            old.close();
            notes.add("listener " + name + " on " + hostPort(old.bound) + " removed; its open connections close once idle");
        }
        for (OpenListener open : opened.values()) {
            OpenListener old = listeners.put(open.config.name(), open);
            if (old == null) {
                notes.add("listener " + open.config.name() + " added on " + hostPort(open.bound));
            } else {
                old.close();
                notes.add("listener " + open.config.name() + " moved from " + hostPort(old.bound) + " to " + hostPort(open.bound)
                        + "; its open connections stay");
            }
        }
        RoutingTable table = RoutingTable.build(next, state.routing(), contexts.length);
        policy.attach(table);
        state.routing(table);
        health.apply(table);
        closeIdleOf(table.retired());
        opened.values().forEach(OpenListener::accept);
        // Entries keep the order of the file.
        Map<String, OpenListener> ordered = new LinkedHashMap<>();
        next.listeners().forEach(l -> ordered.put(l.name(), listeners.get(l.name())));
        listeners.clear();
        listeners.putAll(ordered);
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
        synchronized (this) {
            listeners.values().forEach(open -> open.channels.forEach(Channel::close));
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
        listeners.values().forEach(OpenListener::close);
        if (admin != null) {
            admin.close();
        }
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
