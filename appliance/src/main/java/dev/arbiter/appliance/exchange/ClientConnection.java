package dev.arbiter.appliance.exchange;

import dev.arbiter.appliance.config.ApplianceConfig.LimitsConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PoolConfig;
import dev.arbiter.appliance.http.Authority;
import dev.arbiter.appliance.http.ClientAddress;
import dev.arbiter.appliance.http.RequestRejection;
import dev.arbiter.appliance.http.ResponseEncoder;
import dev.arbiter.appliance.http.ResponseParser;
import dev.arbiter.appliance.http.StrictRequestDecoder;
import dev.arbiter.appliance.http.TargetPath;
import dev.arbiter.appliance.http.UpstreamRequestWriter;
import dev.arbiter.appliance.policy.Decision;
import dev.arbiter.appliance.policy.DecisionCache;
import dev.arbiter.appliance.policy.DecisionListener;
import dev.arbiter.appliance.policy.FailureReason;
import dev.arbiter.appliance.policy.LoopPolicy;
import dev.arbiter.appliance.policy.PolicyServiceStats;
import dev.arbiter.appliance.policy.ServicePolicy;
import dev.arbiter.appliance.route.Backend;
import dev.arbiter.appliance.route.Pool;
import dev.arbiter.appliance.route.RoutingTable;
import dev.arbiter.appliance.route.VirtualService;
import dev.arbiter.appliance.telemetry.RateLimitedLog;
import dev.arbiter.appliance.telemetry.ServiceStats;
import dev.arbiter.appliance.upstream.UpstreamConnector;
import dev.arbiter.appliance.upstream.UpstreamOwner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client connection and the exchange in progress on it: route, pick, forward, stream back.
 *
 * <pre>
 *  client --HttpRequest/HttpContent--> [ClientConnection] --UpstreamRequestWriter: head bytes,
 *                                                           body as it came--> upstream connection
 *  client <--relayed head + body bytes-- [ClientConnection] <--ResponseParser-- (same event loop)
 * </pre>
 *
 * <p>Only the client's request is decoded into objects (Netty's decoder, run strictly): routing,
 * the policy summary and the decision's rewrites need its fields. What goes to the backend and
 * what comes back are bytes, written and read by the appliance's own bounded code.
 *
 * <p>Requests on a connection are served one at a time, in order: a pipelined request waits in
 * {@link #inbound} until the response before it is complete, so responses keep request order.
 * Bodies stream in both directions and are never held whole; each side's reading pauses while
 * the other side cannot take more (Netty writability), and {@link #inbound} is bounded.
 *
 * <p>Failure rules: a backend that fails before any response byte reached the client is retried
 * on another backend when the request was not sent yet, or is idempotent and had no body, up to
 * the pool's {@code retries}; otherwise the client gets 502 (504 on the response-header deadline).
 * A backend that fails after the response started cuts the client connection: a client never
 * receives a response that looks complete but is not. Either way the failure is the backend's
 * (passive ejection, {@code arbiter_backend_failures_total}); a response clears its failure run
 * only once relayed to its end.
 *
 * <p>Whose turn it is decides which deadline runs: while the request body is arriving, the
 * client's ({@code idle-timeout} between body bytes, then 408, never the backend's failure); once
 * the request is complete, or while the backend takes no more of it or owes a 100 Continue, the
 * backend's ({@code response-header-timeout}, then 504).
 */
public final class ClientConnection extends ChannelDuplexHandler implements UpstreamOwner, DecisionListener {

    private static final Logger LOG = Logger.getLogger(ClientConnection.class.getName());
    private static final RateLimitedLog INTERNAL_ERRORS = new RateLimitedLog(1_000);
    private static final RateLimitedLog DECISION_FAILURES = new RateLimitedLog(5_000);

    private static final int IDLE = 0;
    private static final int CONNECTING = 1;
    private static final int FORWARDING = 2;
    private static final int DISCARDING = 3;
    private static final int CLOSING = 4;
    private static final int AWAITING_POLICY = 5;

    private static final int DEADLINE_IDLE = 0;
    private static final int DEADLINE_HEADER = 1;
    private static final int DEADLINE_RESPONSE = 2;
    private static final int DEADLINE_NONE = 3;
    private static final int DEADLINE_POLICY = 4;
    /** The request body is still arriving: the client's turn, bounded by {@code idle-timeout} between bytes. */
    private static final int DEADLINE_BODY = 5;
    /** The response is out and the write side shut; what the client still sends is read and dropped until then. */
    private static final int DEADLINE_LINGER = 6;
    /** How long a closing connection keeps reading what the client still sends (nginx: lingering_timeout). */
    private static final long LINGER_MILLIS = 2_000;
    /**
     * A response is being relayed: no byte from the backend (while the client takes them) or to
     * the client (while the backend sends) for {@code idle-timeout} is a stall, and the exchange
     * is cut (nginx: proxy_read_timeout and send_timeout; haproxy: timeout server and client).
     */
    private static final int DEADLINE_RELAY = 7;

    /** Bytes of request held while no upstream can take them, before reading pauses. */
    private static final int MAX_HELD_BYTES = 256 * 1024;
    private static final String VIA = "1.1 arbiter";
    private static final byte[] VIA_BYTES = VIA.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_CLOSE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_KEEP_ALIVE = "connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "transfer-encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final short CRLF = ('\r' << 8) | '\n';
    private static final short COLON_SPACE = (':' << 8) | ' ';
    /** Response pieces up to this size are gathered into one buffer per read instead of written as slices. */
    private static final int COPY_MAX_BYTES = 2048;

    private final LoopContext loop;
    private final String listener;
    private final LimitsConfig limits;
    private final ResponseEncoder encoder;
    private final ArrayDeque<HttpObject> inbound = new ArrayDeque<>(4);
    private int inboundBytes;
    private ChannelHandlerContext ctx;
    private ChannelHandlerContext rawOut;
    private ByteBuf output;
    private boolean reframe;
    private InetSocketAddress remote;
    private String remoteIp;
    int slot = -1;
    /** Came in on a listener a reload removed: served until idle, then closed (as on a drain). */
    boolean retired;
    long deadlineNanos = Long.MAX_VALUE;
    private int deadlineKind = DEADLINE_IDLE;

    private int state = IDLE;
    private int requestsServed;
    private HttpRequest request;
    private boolean requestDone;
    private boolean requestSent;
    private boolean responseStarted;
    /** Status of the relayed final response head; decides at its end whether the backend succeeded. */
    private int responseStatus;
    private boolean closeAfterResponse;
    private boolean upstreamKeepAlive;
    private boolean clientHttp10;
    private boolean requestChunked;
    private long bodyBytes;
    private long startNanos;
    private int attempts;
    private VirtualService service;
    private RoutingTable table;
    private Pool pool;
    private long policyId;
    private String fallbackReason;
    private int localPort;
    private Backend backend;
    private Channel upstream;
    private boolean upstreamFlushPending;
    /** Closing: the write side is shut and reading only drains the client's bytes (see {@link #closeAfter}). */
    private boolean lingering;
    private final ChannelFutureListener linger = this::linger;
    private StrictRequestDecoder decoder;

    public ClientConnection(LoopContext loop, String listener, LimitsConfig limits, ResponseEncoder encoder) {
        this.loop = loop;
        this.listener = listener;
        this.limits = limits;
        this.encoder = encoder;
    }

    // ---------------------------------------------------------------- client side

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // Relayed responses are bytes already: they go out past the encoder, which only sees
        // the appliance's own answers.
        ChannelHandlerContext encoderCtx = ctx.pipeline().context(encoder);
        this.rawOut = encoderCtx != null ? encoderCtx : ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        remote = (InetSocketAddress) ctx.channel().remoteAddress();
        remoteIp = ClientAddress.text(remote.getAddress());
        localPort = ((InetSocketAddress) ctx.channel().localAddress()).getPort();
        loop.register(this);
        armDeadline(DEADLINE_IDLE, limits.idleTimeoutMillis());
        ctx.fireChannelActive();
    }

    /** The first bytes of a request arrived (from the handler in front of the decoder). */
    void onBytes() {
        if (state == IDLE && deadlineKind == DEADLINE_IDLE) {
            armDeadline(DEADLINE_HEADER, limits.headerTimeoutMillis());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject o) || state == CLOSING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (inbound.isEmpty() && canTakeNow(o)) {
            process(o);
        } else {
            hold(o);
        }
    }

    private boolean canTakeNow(HttpObject o) {
        if (o instanceof HttpRequest) {
            return state == IDLE;
        }
        return state == FORWARDING || state == DISCARDING;
    }

    private void hold(HttpObject o) {
        inbound.addLast(o);
        if (o instanceof HttpContent c) {
            inboundBytes += c.content().readableBytes();
        }
        updateClientRead();
    }

    /** Runs held messages for as long as the exchange can take them. */
    private void drainInbound() {
        HttpObject o;
        while (state != CLOSING && (o = inbound.peekFirst()) != null && canTakeNow(o)) {
            inbound.pollFirst();
            if (o instanceof HttpContent c) {
                inboundBytes -= c.content().readableBytes();
            }
            process(o);
        }
        flushUpstream();
        updateClientRead();
    }

    private void process(HttpObject o) {
        if (o instanceof HttpRequest r) {
            onRequestHead(r);
            if (r.decoderResult().isFailure()) {
                // The decoder's invalid message is head and content in one; the head's rejection
                // answered and closes it, so its content is not a body to handle (or close on) again.
                ReferenceCountUtil.release(o);
                return;
            }
        }
        if (o instanceof HttpContent c) {
            onRequestContent(c);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushUpstream();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.config().setAutoRead(ctx.channel().isWritable());
        }
        if (deadlineKind == DEADLINE_RELAY) {
            armDeadline(DEADLINE_RELAY, limits.idleTimeoutMillis()); // the client moved
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == AWAITING_POLICY) {
            loop.policy().forget(policyId);
        }
        state = CLOSING;
        loop.unregister(this);
        loop.state().stats().clientConnections().decrementAndGet();
        if (upstream != null) {
            if (backend != null) {
                backend.onLoop(loop.index()).outstanding--;
            }
            loop.connector().discard(upstream);
            upstream = null;
        }
        releaseInbound();
        if (output != null) {
            output.release();
            output = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // I/O errors (resets) and decoder bugs alike: nothing on this connection can be trusted.
        ctx.close();
    }

    private void releaseInbound() {
        HttpObject o;
        while ((o = inbound.pollFirst()) != null) {
            ReferenceCountUtil.release(o);
        }
        inboundBytes = 0;
    }

    private void updateClientRead() {
        boolean read = lingering || (state != CLOSING && inboundBytes < MAX_HELD_BYTES
                && (upstream == null || state != FORWARDING || upstream.isWritable()));
        Channel ch = ctx.channel();
        if (ch.config().isAutoRead() != read) {
            ch.config().setAutoRead(read);
        }
    }

    // ---------------------------------------------------------------- request path

    private void onRequestHead(HttpRequest r) {
        requestsServed++;
        request = r;
        requestDone = false;
        requestSent = false;
        responseStarted = false;
        responseStatus = 0;
        bodyBytes = 0;
        attempts = 0;
        service = null;
        backend = null;
        fallbackReason = null;
        startNanos = System.nanoTime();
        armDeadline(DEADLINE_NONE, 0);
        encoder.answeringHead(r.method() == HttpMethod.HEAD);
        if (r.decoderResult().isFailure()) {
            reject(RequestRejection.of(r.decoderResult().cause()));
            return;
        }
        RequestRejection invalid = validate(r);
        if (invalid == null && !startsWithSlash(r.uri())) {
            invalid = toOriginForm(r);
        }
        if (invalid != null) {
            reject(invalid);
            return;
        }
        String target = r.uri();
        if (startsWithSlash(target)) {
            // Routed on, shown to the policy and forwarded as one and the same path.
            String normal = TargetPath.normalize(target);
            if (normal != target) {
                r.setUri(normal);
            }
        }
        clientHttp10 = !HttpVersion.HTTP_1_1.equals(r.protocolVersion());
        requestChunked = HttpUtil.isTransferEncodingChunked(r);
        closeAfterResponse = !HttpUtil.isKeepAlive(r) || requestsServed >= limits.maxRequestsPerConnection()
                || loop.state().draining() || retired;
        table = loop.state().routing();
        String uri = r.uri();
        VirtualService vs = table.match(listener, r.headers().get(HttpHeaderNames.HOST), uri);
        if (vs == null) {
            loop.state().stats().onLoop(loop.index()).noRoute++;
            respondLocally(HttpResponseStatus.NOT_FOUND, "no virtual service for this host and path\n");
            return;
        }
        service = vs;
        pool = vs.pool();
        vs.stats().onLoop(loop.index()).requests++;
        ServicePolicy sp = vs.policy();
        if (sp != null) {
            askPolicy(sp, r);
            return;
        }
        dispatch(null);
    }

    // ---------------------------------------------------------------- policy path

    /**
     * Enforce mode: a cache hit is carried out at once; otherwise the summary goes into the ring
     * and the request (and any body bytes) waits, up to its deadline. Shadow mode: the local
     * algorithm routes now and the summary goes out only to be compared.
     */
    private void askPolicy(ServicePolicy sp, HttpRequest r) {
        LoopPolicy lp = loop.policy();
        String host = r.headers().get(HttpHeaderNames.HOST);
        String method = r.method().name();
        if (sp.shadow()) {
            Backend chosen = pool.picker(loop.index()).pick(r, remote.getAddress(), null, loop.nowMillis());
            if (loop.stage().publish(loop.index(), lp.nextId(), sp, method, host, r.uri(), remote, localPort,
                    r.headers(), chosen, startNanos)) {
                sp.stats().onLoop(loop.index()).published++;
            }
            if (chosen == null) {
                respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy backend in pool " + pool.name() + "\n");
            } else {
                dispatchTo(chosen);
            }
            return;
        }
        DecisionCache cache = lp.cache();
        if (cache.enabled()) {
            cache.ensureGeneration(table, table.services().size());
            String[] values = lp.scratch();
            for (int i = 0; i < sp.headerCount(); i++) {
                values[i] = r.headers().get(sp.headerKey(i));
            }
            Decision cached = cache.lookup(sp, method, host, r.uri(), remote.getAddress(), values, startNanos);
            if (cached != null) {
                applyDecision(cached);
                return;
            }
        }
        long id = lp.nextId();
        if (!loop.stage().publish(loop.index(), id, sp, method, host, r.uri(), remote, localPort, r.headers(), null,
                startNanos)) {
            onPolicyFailure(FailureReason.OVERLOAD);
            return;
        }
        sp.stats().onLoop(loop.index()).published++;
        policyId = id;
        lp.await(id, this);
        state = AWAITING_POLICY;
        deadlineKind = DEADLINE_POLICY;
        deadlineNanos = startNanos + sp.deadlineNanos();
        updateClientRead();
    }

    @Override
    public void onPolicyDecision(long id, Decision d) {
        if (state != AWAITING_POLICY || id != policyId) {
            return;
        }
        armDeadline(DEADLINE_NONE, 0);
        state = IDLE;
        try {
            applyDecision(d);
            if (state != CLOSING) {
                drainInbound();
            }
        } catch (RuntimeException e) {
            // A decision the codec let through but the request cannot take is a bug; the request
            // must not be left without an answer or a deadline.
            abortInternal(e);
        }
    }

    private void applyDecision(Decision d) {
        PolicyServiceStats.PerLoop ps = service.policy().stats().onLoop(loop.index());
        switch (d.action()) {
            case FAILED -> onPolicyFailure(FailureReason.of(d.failure()));
            case DEFAULT -> {
                ps.applied[Decision.Action.DEFAULT.ordinal()]++;
                dispatch(null);
            }
            case RESPOND -> {
                ps.applied[Decision.Action.RESPOND.ordinal()]++;
                respondFromPolicy(d);
            }
            case FORWARD -> forward(d, ps);
        }
    }

    private void forward(Decision d, PolicyServiceStats.PerLoop ps) {
        Pool target = d.pool() == null ? service.pool() : table.pool(d.pool());
        if (target == null) {
            onPolicyFailure(FailureReason.INVALID_DECISION);
            return;
        }
        Backend named = null;
        if (d.backend() != null) {
            named = target.backend(d.backend());
            Pool allowed = service.allowed();
            if (named == null && allowed != null) {
                named = allowed.backend(d.backend());
                target = named != null ? allowed : target;
            }
            if (named == null) {
                onPolicyFailure(FailureReason.INVALID_DECISION);
                return;
            }
            if (!named.available(loop.nowMillis())) {
                ps.backendDown++;
                named = null;
            }
        }
        ps.applied[Decision.Action.FORWARD.ordinal()]++;
        if (d.rewritePath() != null || d.rewriteQuery() != null) {
            request.setUri(Rewrite.uri(request.uri(), d.rewritePath(), d.rewriteQuery()));
        }
        HttpHeaders h = request.headers();
        List<String> remove = d.removeHeaders();
        for (int i = 0; i < remove.size(); i++) {
            h.remove(remove.get(i));
        }
        List<String> set = d.setHeaders();
        for (int i = 0; i + 1 < set.size(); i += 2) {
            h.set(set.get(i), set.get(i + 1));
        }
        pool = target;
        if (named != null) {
            dispatchTo(named);
        } else {
            dispatch(null);
        }
    }

    private void onPolicyFailure(FailureReason reason) {
        ServicePolicy sp = service.policy();
        PolicyServiceStats.PerLoop ps = sp.stats().onLoop(loop.index());
        ps.failures[reason.ordinal()]++;
        if (reason == FailureReason.INVALID_DECISION || reason == FailureReason.MISSING_DECISION) {
            // The server answered, but not for this request (call failures are logged per server).
            long held = DECISION_FAILURES.admit(System.nanoTime());
            if (held >= 0) {
                LOG.warning("virtual service " + service.name() + ": the policy answered with "
                        + (reason == FailureReason.INVALID_DECISION ? "a malformed decision (docs/policy-protocol.md 2.5)"
                                : "no decision") + " for a request; it " + (sp.rejectOnFailure() ? "was refused" : "fell back")
                        + RateLimitedLog.heldBack(held));
            }
        }
        fallbackReason = reason.token();
        if (sp.rejectOnFailure()) {
            ps.rejects++;
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "policy decision unavailable: " + reason.token() + "\n");
            return;
        }
        ps.fallbacks++;
        dispatch(null);
    }

    private void respondFromPolicy(Decision d) {
        if (!requestDone && requestHasBody()) {
            closeAfterResponse = true;
        }
        int code = d.status();
        boolean noBody = code == 204 || code == 304 || request.method() == HttpMethod.HEAD;
        ByteBuf content = noBody || d.body() == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(d.body());
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code), content);
        List<String> hs = d.respondHeaders();
        for (int i = 0; i + 1 < hs.size(); i += 2) {
            r.headers().add(hs.get(i), hs.get(i + 1));
        }
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, noBody && d.body() != null ? d.body().length : content.readableBytes());
        if (code == 204 || code == 304) {
            r.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        finishLocal(r, code);
    }

    private RequestRejection validate(HttpRequest r) {
        HttpHeaders h = r.headers();
        if (h.size() > limits.maxHeaderCount()) {
            return RequestRejection.TOO_MANY_HEADERS;
        }
        if (r.method() == HttpMethod.TRACE) {
            return RequestRejection.METHOD_NOT_ALLOWED; // as nginx: never echoed through the balancer
        }
        String te = h.get(HttpHeaderNames.TRANSFER_ENCODING);
        if (te != null && !te.trim().equalsIgnoreCase("chunked")) {
            return RequestRejection.UNKNOWN_TRANSFER_CODING;
        }
        if (limits.maxBodyBytes() > 0 && HttpUtil.getContentLength(r, -1L) > limits.maxBodyBytes()) {
            return RequestRejection.BODY_TOO_LARGE;
        }
        String host = h.get(HttpHeaderNames.HOST);
        if (host == null) {
            return r.protocolVersion() == HttpVersion.HTTP_1_1 ? RequestRejection.MISSING_HOST : null;
        }
        // Empty is what a client sends for a target without authority (RFC 9112 3.2).
        return host.isEmpty() || Authority.isValid(host, 0, host.length()) ? null : RequestRejection.INVALID_HOST;
    }

    private static boolean startsWithSlash(String uri) {
        return !uri.isEmpty() && uri.charAt(0) == '/';
    }

    /**
     * An absolute-form target ({@code http://authority/path?query}, RFC 9112 3.2.2) becomes the
     * origin-form the backend gets, and its authority becomes the Host the request is routed on
     * and forwarded with (a proxy generates Host from the target, RFC 9112 3.2.2). The
     * asterisk-form of OPTIONS and the authority-form of CONNECT are left as they are; any other
     * target that does not start with "/" is refused.
     */
    private static RequestRejection toOriginForm(HttpRequest r) {
        String uri = r.uri();
        int authorityStart = uri.regionMatches(true, 0, "http://", 0, 7) ? 7
                : uri.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
        if (authorityStart < 0) {
            boolean asterisk = uri.equals("*") && r.method() == HttpMethod.OPTIONS;
            return asterisk || r.method() == HttpMethod.CONNECT ? null : RequestRejection.INVALID_TARGET;
        }
        int authorityEnd = authorityStart;
        while (authorityEnd < uri.length() && uri.charAt(authorityEnd) != '/' && uri.charAt(authorityEnd) != '?') {
            authorityEnd++;
        }
        // An http URI must have a host, and its userinfo is not to be trusted (RFC 9110 4.2.1, 4.2.4).
        if (authorityEnd == authorityStart || !Authority.isValid(uri, authorityStart, authorityEnd)) {
            return RequestRejection.INVALID_HOST;
        }
        String path = authorityEnd == uri.length() ? "/"
                : uri.charAt(authorityEnd) == '?' ? "/" + uri.substring(authorityEnd) : uri.substring(authorityEnd);
        r.headers().set(HttpHeaderNames.HOST, uri.substring(authorityStart, authorityEnd));
        r.setUri(path);
        return null;
    }

    /** Picks a backend (other than {@code avoid} when possible) and gets a connection to it. */
    private void dispatch(Backend avoid) {
        Backend b = pool.picker(loop.index()).pick(request, remote.getAddress(), avoid, loop.nowMillis());
        if (b == null) {
            respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy backend in pool " + pool.name() + "\n");
            return;
        }
        dispatchTo(b);
    }

    /** Gets a connection to {@code b}: an idle pooled one, or a new one within the backend's cap. */
    private void dispatchTo(Backend b) {
        attempts++;
        backend = b;
        Channel idle = loop.connector().acquire(b, this);
        if (idle != null) {
            attach(idle);
            return;
        }
        if (!b.tryReserveConnection()) {
            Backend other = pool.picker(loop.index()).pick(request, remote.getAddress(), b, loop.nowMillis());
            if (other == null || other == b || !other.tryReserveConnection()) {
                backend = null;
                respondLocally(HttpResponseStatus.SERVICE_UNAVAILABLE, "backend connection limit reached\n");
                return;
            }
            b = other;
            backend = b;
        }
        state = CONNECTING;
        Backend connecting = b;
        ChannelFuture f = loop.connector().connect(b, this, pool.config().connectTimeoutMillis());
        f.addListener(done -> onConnected(f, connecting));
    }

    private void onConnected(ChannelFuture f, Backend b) {
        if (state != CONNECTING || backend != b) {
            f.channel().close(); // the client went away meanwhile
            return;
        }
        if (f.isSuccess()) {
            attach(f.channel());
        } else {
            b.recordFailure(loop.refreshClock() / 1_000_000);
            b.onLoop(loop.index()).failures++;
            retryOrFail(HttpResponseStatus.BAD_GATEWAY, "cannot connect to backend " + b.address() + "\n");
        }
    }

    private void attach(Channel ch) {
        upstream = ch;
        state = FORWARDING;
        backend.onLoop(loop.index()).outstanding++;
        backend.onLoop(loop.index()).requests++;
        upstream.config().setAutoRead(ctx.channel().isWritable());
        UpstreamConnector.expectResponse(upstream, request.method() == HttpMethod.HEAD);
        toUpstream(UpstreamRequestWriter.head(ctx.alloc(), request, remoteIp, VIA_BYTES, backend.address()));
        requestSent = true;
        upstreamFlushPending = true;
        if (requestDone || HttpUtil.is100ContinueExpected(request)) {
            // Nothing more to send, or nothing until the backend says 100 Continue: the backend's turn.
            armDeadline(DEADLINE_RESPONSE, poolConfig().responseHeaderTimeoutMillis());
        } else {
            armDeadline(DEADLINE_BODY, limits.idleTimeoutMillis());
        }
        if (requestDone && requestChunked) {
            // A retry of a body-less request: its end was consumed by the first attempt.
            toUpstream(UpstreamRequestWriter.lastChunk(ctx.alloc(), null));
        }
        drainInbound();
    }

    private void onRequestContent(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (c.decoderResult().isFailure()) {
            ReferenceCountUtil.release(c);
            reject(RequestRejection.ofContent(c.decoderResult().cause()));
            return;
        }
        if (last && ((LastHttpContent) c).trailingHeaders().size() > limits.maxHeaderCount()) {
            // Trailers are fields too: the head's count limit holds for them.
            ReferenceCountUtil.release(c);
            reject(RequestRejection.TOO_MANY_HEADERS);
            return;
        }
        bodyBytes += c.content().readableBytes();
        if (limits.maxBodyBytes() > 0 && bodyBytes > limits.maxBodyBytes()) {
            ReferenceCountUtil.release(c);
            reject(RequestRejection.BODY_TOO_LARGE);
            return;
        }
        if (state == DISCARDING) {
            ReferenceCountUtil.release(c);
            if (last) {
                requestDone = true;
                finishExchange();
            }
            return;
        }
        writeBody(c, last);
        upstreamFlushPending = true;
        if (last) {
            requestDone = true;
            // The response-header timeout runs from the end of the request, not from its head:
            // a slow upload is the client's time, not the backend's.
            if (responseStarted) {
                armDeadline(DEADLINE_RELAY, limits.idleTimeoutMillis());
            } else {
                armDeadline(DEADLINE_RESPONSE, poolConfig().responseHeaderTimeoutMillis());
            }
        } else if (upstream.isWritable()) {
            armDeadline(DEADLINE_BODY, limits.idleTimeoutMillis());
        }
        if (!upstream.isWritable()) {
            updateClientRead();
        }
    }

    /** Body bytes go as they came, or in chunks when the client sent chunks (the decoder took them apart). */
    private void writeBody(HttpContent c, boolean last) {
        ByteBuf content = c.content();
        int n = content.readableBytes();
        if (n > 0) {
            if (requestChunked) {
                toUpstream(UpstreamRequestWriter.chunkHead(ctx.alloc(), n));
                toUpstream(content);
                toUpstream(UpstreamRequestWriter.chunkEnd(ctx.alloc()));
            } else {
                toUpstream(content);
            }
        } else {
            content.release();
        }
        if (last && requestChunked) {
            toUpstream(UpstreamRequestWriter.lastChunk(ctx.alloc(), (LastHttpContent) c, request.headers()));
        }
    }

    /**
     * Writes toward the backend with the channel's void promise: nothing waits on these writes,
     * so none gets a promise object of its own (two per request otherwise). A write that fails
     * closes the backend connection (its handler's {@code exceptionCaught}), as the failure of a
     * write without a listener did before, and the exchange sees it close.
     */
    private void toUpstream(Object msg) {
        upstream.write(msg, upstream.voidPromise());
    }

    /** Writes toward the client with the void promise; a failed write closes the connection ({@link #exceptionCaught}). */
    private void toClient(Object msg) {
        rawOut.write(msg, rawOut.voidPromise());
    }

    private void flushUpstream() {
        if (upstreamFlushPending && upstream != null) {
            upstreamFlushPending = false;
            upstream.flush();
        }
    }

    // ---------------------------------------------------------------- response path

    @Override
    public void onResponseHead(ResponseParser head) {
        int code = head.status();
        if (code < 200) {
            // 100 Continue and other interim answers pass through; the final one follows. An
            // HTTP/1.0 client gets none: it may not be sent 1xx (RFC 9110 15.2).
            if (!clientHttp10) {
                ByteBuf out = output();
                head.writeRelayedHead(out, VIA_BYTES);
                out.writeShort(CRLF);
            }
            if (!requestDone) {
                armDeadline(DEADLINE_BODY, limits.idleTimeoutMillis()); // after 100 Continue, the client's turn
            }
            return;
        }
        ByteBuf out = output();
        if (requestDone) {
            armDeadline(DEADLINE_RELAY, limits.idleTimeoutMillis());
        }
        responseStatus = code;
        if (code >= 500) {
            backend.recordFailure(loop.nowMillis());
            backend.onLoop(loop.index()).failures++;
        }
        upstreamKeepAlive = head.keepAlive();
        reframe = false;
        if (head.framing() == ResponseParser.Framing.CLOSE) {
            // Body delimited by the backend closing: re-frame as chunked, or close-delimit for HTTP/1.0.
            if (clientHttp10) {
                closeAfterResponse = true;
            } else {
                reframe = true;
            }
        } else if (head.framing() == ResponseParser.Framing.CHUNKED && clientHttp10) {
            head.dechunk();
            closeAfterResponse = true;
        }
        if (retired || loop.state().draining() || !requestDone) {
            // An answer before the request's end: the rest of the body cannot be skipped safely,
            // so the connection closes after it, and the head says so (RFC 9112 9.6).
            closeAfterResponse = true;
        }
        head.writeRelayedHead(out, VIA_BYTES);
        if (closeAfterResponse) {
            out.writeBytes(CONNECTION_CLOSE);
        } else if (clientHttp10) {
            out.writeBytes(CONNECTION_KEEP_ALIVE);
        }
        if (reframe) {
            out.writeBytes(CHUNKED);
        }
        String fallback = loop.fallbackHeader();
        if (fallbackReason != null && fallback != null) {
            out.writeCharSequence(fallback, StandardCharsets.US_ASCII);
            out.writeShort(COLON_SPACE);
            out.writeCharSequence(fallbackReason, StandardCharsets.US_ASCII);
            out.writeShort(CRLF);
        }
        out.writeShort(CRLF);
        responseStarted = true;
        service.stats().onLoop(loop.index()).recordResponse(code);
    }

    @Override
    public void onResponseBody(ByteBuf buf, int index, int length) {
        if (reframe) {
            ByteBuf out = output();
            UpstreamRequestWriter.writeChunkSize(out, length);
            out.writeShort(CRLF);
            relay(buf, index, length);
            output().writeShort(CRLF);
        } else {
            relay(buf, index, length);
        }
    }

    /** Small pieces are copied into the pending output; large ones go as slices of the read buffer. */
    private void relay(ByteBuf buf, int index, int length) {
        if (length <= COPY_MAX_BYTES) {
            ByteBuf out = output();
            out.writeBytes(buf, index, length);
            if (out.readableBytes() >= COPY_MAX_BYTES) {
                writeOutput();
            }
            return;
        }
        writeOutput();
        toClient(buf.retainedSlice(index, length));
    }

    @Override
    public void onResponseEnd() {
        if (reframe) {
            output().writeBytes(LAST_CHUNK);
        }
        onResponseComplete();
    }

    @Override
    public void onResponseMalformed(String why) {
        upstreamFailed("backend sent a malformed response\n");
    }

    /** The buffer the relayed response is gathered in until the end of the backend's read. */
    private ByteBuf output() {
        ByteBuf out = output;
        if (out == null) {
            out = ctx.alloc().ioBuffer(512);
            output = out;
        }
        return out;
    }

    private void writeOutput() {
        ByteBuf out = output;
        if (out != null) {
            output = null;
            toClient(out);
        }
    }

    private void onResponseComplete() {
        writeOutput();
        Channel up = upstream;
        upstream = null;
        backend.onLoop(loop.index()).outstanding--;
        if (responseStatus < 500) {
            // Only a response relayed to its end clears the backend's failure run: one cut
            // mid-body is a failure, and its head alone must not have cleared the run.
            backend.recordSuccess();
        }
        ServiceStats.PerLoop stats = service.stats().onLoop(loop.index());
        stats.recordLatencyNanos(System.nanoTime() - startNanos);
        if (upstreamKeepAlive && requestDone) {
            up.config().setAutoRead(true);
            loop.connector().release(up, poolConfig().maxIdlePerLoop());
        } else {
            loop.connector().discard(up);
        }
        if (!requestDone) {
            // Answered before the request body ended: the rest of it cannot be skipped safely.
            closeAfterResponse = true;
        }
        finishExchange();
    }

    @Override
    public void onUpstreamReadComplete() {
        writeOutput();
        ctx.flush();
        if (deadlineKind == DEADLINE_RELAY) {
            armDeadline(DEADLINE_RELAY, limits.idleTimeoutMillis()); // the backend moved
        }
        if (upstream != null && !ctx.channel().isWritable()) {
            upstream.config().setAutoRead(false);
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (state == FORWARDING && !requestDone) {
            // While the backend takes no more body, the client is paused and the wait is the
            // backend's (response-header timeout); once it takes bytes again, the client's.
            if (writable) {
                armDeadline(DEADLINE_BODY, limits.idleTimeoutMillis());
            } else {
                if (responseStarted) {
                    armDeadline(DEADLINE_RELAY, limits.idleTimeoutMillis());
                } else {
                    armDeadline(DEADLINE_RESPONSE, poolConfig().responseHeaderTimeoutMillis());
                }
            }
        }
        updateClientRead();
    }

    @Override
    public void onUpstreamInactive() {
        upstream = null;
        if (state == CLOSING) {
            return;
        }
        backend.onLoop(loop.index()).outstanding--;
        upstreamFailed("backend closed the connection\n");
    }

    /** The upstream connection broke or misbehaved mid-exchange. */
    private void upstreamFailed(String why) {
        writeOutput();
        dropUpstream();
        if (responseStarted) {
            // Part of the response is with the client; the only honest end is to cut the connection.
            // The backend failed all the same (a 5xx head was counted already); never retried.
            if (responseStatus < 500) {
                backend.recordFailure(loop.nowMillis());
                backend.onLoop(loop.index()).failures++;
            }
            state = CLOSING;
            ctx.flush();
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
            return;
        }
        backend.recordFailure(loop.nowMillis());
        backend.onLoop(loop.index()).failures++;
        retryOrFail(HttpResponseStatus.BAD_GATEWAY, why);
    }

    private void retryOrFail(HttpResponseStatus status, String why) {
        boolean safe = !requestSent || (isIdempotent(request.method()) && bodyBytes == 0 && requestDone);
        Backend failed = backend;
        backend = null;
        if (safe && attempts <= poolConfig().retries()) {
            state = IDLE;
            dispatch(failed);
            return;
        }
        respondLocally(status, why);
    }

    private static boolean isIdempotent(HttpMethod m) {
        return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
                || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
    }

    // ---------------------------------------------------------------- local answers and end of exchange

    /** Answers the client from the appliance itself; the connection survives if the request can be skipped. */
    private void respondLocally(HttpResponseStatus status, String body) {
        if (!requestDone && requestHasBody()) {
            closeAfterResponse = true;
        }
        finishLocal(localResponse(status, body), status.code());
    }

    private boolean requestHasBody() {
        return HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
    }

    /** Refuses a malformed or over-limit request and closes the connection (cuts it, once a response has started). */
    private void reject(RequestRejection why) {
        loop.state().stats().onLoop(loop.index()).rejected[why.ordinal()]++;
        endWith(why.status(), why.status().reasonPhrase() + "\n", false);
    }

    /** Closes the exchange's backend connection mid-exchange (never reused) and stops counting it as outstanding. */
    private void dropUpstream() {
        if (upstream != null) {
            backend.onLoop(loop.index()).outstanding--;
            loop.connector().discard(upstream);
            upstream = null;
        }
    }

    /**
     * Ends the exchange and the connection: drops what is held and the backend connection, then
     * answers {@code status} (a body-less head when {@code head}), or cuts the connection when a
     * response has started already.
     */
    private void endWith(HttpResponseStatus status, String body, boolean head) {
        state = CLOSING;
        releaseInbound();
        dropUpstream();
        if (responseStarted) {
            ctx.close();
            return;
        }
        encoder.answeringHead(head);
        writeLocal(status, body, true);
    }

    /**
     * Answers 500 and closes the connection after a failure in the appliance itself; logged
     * with its stack trace at most once a second.
     */
    private void abortInternal(RuntimeException e) {
        long held = INTERNAL_ERRORS.admit(System.nanoTime());
        if (held >= 0) {
            LOG.log(Level.SEVERE, "a request could not be carried out; its client got 500 and its connection was closed"
                    + RateLimitedLog.heldBack(held), e);
        }
        if (service != null) {
            service.stats().onLoop(loop.index()).recordResponse(500);
        }
        endWith(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error\n",
                request != null && HttpMethod.HEAD.equals(request.method()));
    }

    /** Sends a response made by the appliance (or by a policy decision) and ends the exchange. */
    private void finishLocal(FullHttpResponse r, int code) {
        if (service != null) {
            service.stats().onLoop(loop.index()).recordResponse(code);
        }
        markFallback(r.headers());
        writeLocal(r, closeAfterResponse);
        if (closeAfterResponse) {
            state = CLOSING;
            releaseInbound();
            return;
        }
        if (requestDone) {
            finishExchange();
        } else {
            state = DISCARDING;
            drainInbound();
        }
    }

    private void markFallback(HttpHeaders h) {
        String name = loop.fallbackHeader();
        if (fallbackReason != null && name != null) {
            h.set(name, fallbackReason);
        }
    }

    private void writeLocal(HttpResponseStatus status, String body, boolean close) {
        writeLocal(localResponse(status, body), close);
    }

    private static FullHttpResponse localResponse(HttpResponseStatus status, String body) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return r;
    }

    private void writeLocal(FullHttpResponse r, boolean close) {
        r.headers().set(HttpHeaderNames.VIA, VIA);
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        responseStarted = true;
        ChannelFuture f = ctx.writeAndFlush(r);
        if (close) {
            closeAfter(f);
        }
    }

    /**
     * Closes the connection once {@code lastWrite} is out, without losing that response to a
     * reset: a close with unread bytes in the socket (the rest of a request body, a pipelined
     * request) makes the kernel send RST, and a client that gets it before reading the response
     * loses the response (RFC 9112 9.6). So the write side is shut first (the client reads the
     * response, then end of stream), and whatever the client still sends is read and dropped
     * until it closes or {@link #LINGER_MILLIS} pass.
     */
    private void closeAfter(ChannelFuture lastWrite) {
        lastWrite.addListener(linger);
    }

    private void linger(ChannelFuture f) {
        Channel ch = f.channel();
        if (!f.isSuccess() || !ch.isActive() || !(ch instanceof DuplexChannel duplex)) {
            ch.close();
            return;
        }
        lingering = true; // the exchange is CLOSING already: what comes in is dropped
        armDeadline(DEADLINE_LINGER, LINGER_MILLIS);
        duplex.shutdownOutput();
        ch.config().setAutoRead(true);
    }

    private void finishExchange() {
        request = null;
        service = null;
        backend = null;
        pool = null;
        table = null;
        if (closeAfterResponse) {
            state = CLOSING;
            releaseInbound();
            closeAfter(ctx.writeAndFlush(Unpooled.EMPTY_BUFFER));
            return;
        }
        ctx.flush();
        state = IDLE;
        armDeadline(DEADLINE_IDLE, limits.idleTimeoutMillis());
        drainInbound();
        if (state == IDLE && deadlineKind == DEADLINE_IDLE && nextRequestStarted()) {
            // Its first bytes came while this exchange ran, when onBytes does not arm the deadline.
            armDeadline(DEADLINE_HEADER, limits.headerTimeoutMillis());
        }
    }

    /** Whether the decoder holds part of a next request (bytes, or a request line without its head's end). */
    private boolean nextRequestStarted() {
        StrictRequestDecoder d = decoder;
        if (d == null) {
            d = ctx.pipeline().get(StrictRequestDecoder.class);
            decoder = d;
        }
        return d != null && d.holdsPartialRequest();
    }

    private PoolConfig poolConfig() {
        return pool.config();
    }

    // ---------------------------------------------------------------- deadlines

    private void armDeadline(int kind, long millis) {
        deadlineKind = kind;
        deadlineNanos = kind == DEADLINE_NONE ? Long.MAX_VALUE : loop.nowNanos() + millis * 1_000_000L;
    }

    /** Called by the loop's sweep when {@link #deadlineNanos} has passed. */
    void onDeadline() {
        int kind = deadlineKind;
        armDeadline(DEADLINE_NONE, 0);
        switch (kind) {
            case DEADLINE_IDLE, DEADLINE_LINGER -> ctx.close();
            case DEADLINE_BODY -> reject(RequestRejection.BODY_TIMEOUT); // the client's stall: not the backend's failure
            case DEADLINE_HEADER -> {
                loop.state().stats().onLoop(loop.index()).rejected[RequestRejection.HEADER_TIMEOUT.ordinal()]++;
                state = CLOSING;
                writeLocal(RequestRejection.HEADER_TIMEOUT.status(), "request header not received in time\n", true);
            }
            case DEADLINE_POLICY -> {
                loop.policy().forget(policyId);
                state = IDLE;
                onPolicyFailure(FailureReason.TIMEOUT);
                if (state != CLOSING) {
                    drainInbound();
                }
            }
            case DEADLINE_RELAY -> {
                if (upstream != null && upstream.config().isAutoRead()) {
                    // Reading from the backend, and nothing came: the backend stalled.
                    upstreamFailed("backend stalled mid-response\n");
                } else {
                    // The client took nothing: its stall, not the backend's failure.
                    state = CLOSING;
                    dropUpstream();
                    ctx.close();
                }
            }
            case DEADLINE_RESPONSE -> {
                dropUpstream();
                backend.recordFailure(loop.nowMillis());
                backend.onLoop(loop.index()).failures++;
                backend = null;
                respondLocally(HttpResponseStatus.GATEWAY_TIMEOUT, "backend did not answer in time\n");
            }
            default -> { }
        }
    }

    /** The name of the listener it came in on. */
    String listener() {
        return listener;
    }

    /** Called by the sweep while the appliance drains: idle connections close now. */
    void onDrain() {
        if (state == IDLE && inbound.isEmpty() && deadlineKind == DEADLINE_IDLE) {
            state = CLOSING;
            ctx.close();
        }
    }
}
