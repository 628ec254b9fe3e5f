package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.config.ApplianceConfig.CompatHeaders;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One compatibility-mode call (protocol section 4): a {@code GET} in the style of nginx
 * {@code auth_request}; 2xx allows with optional decision headers, 401/403/3xx go to the client.
 */
final class CompatCall extends Call {

    private static final int MAX_BODY = NativeCodec.MAX_BODY_BYTES;
    /** Headers the appliance sets itself: a copied client header of the same name is not sent. */
    private static final Set<String> OWN = Set.of("host", "x-original-uri", "x-original-method", "x-forwarded-for",
            "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-policy-service");

    private final PendingRequest r;
    private final String path;
    private final CompatHeaders names;
    private final int listenerPort;
    private boolean done;

    CompatCall(PendingRequest r, String path, CompatHeaders names, int listenerPort, long giveUpNanos) {
        super(giveUpNanos);
        this.r = r;
        this.path = path;
        this.names = names;
        this.listenerPort = listenerPort;
    }

    @Override
    void writeTo(Channel ch, byte[] hostLine) {
        ByteBuf head = ch.alloc().directBuffer(512);
        try {
            head.writeCharSequence("GET ", StandardCharsets.US_ASCII);
            head.writeCharSequence(path, StandardCharsets.ISO_8859_1);
            head.writeCharSequence(" HTTP/1.1\r\n", StandardCharsets.US_ASCII);
            head.writeBytes(hostLine);
            List<String> copied = r.policy.headerNames();
            for (int i = 0; i < r.headerValues.length; i++) {
                if (r.headerValues[i] != null && !OWN.contains(copied.get(i))) {
                    RequestHead.header(head, copied.get(i), r.headerValues[i]);
                }
            }
            RequestHead.header(head, "x-original-uri", SummaryFields.originForm(r.uri));
            RequestHead.header(head, "x-original-method", r.method);
            RequestHead.header(head, "x-forwarded-for", SummaryFields.address(r.client));
            RequestHead.header(head, "x-forwarded-proto", "http");
            RequestHead.header(head, "x-forwarded-host", SummaryFields.host(r.rawHost));
            RequestHead.header(head, "x-forwarded-port", Integer.toString(listenerPort));
            RequestHead.header(head, "x-policy-service", r.policy.service());
            RequestHead.end(head);
        } catch (RuntimeException e) {
            head.release();
            throw e;
        }
        ch.writeAndFlush(head, ch.voidPromise());
    }

    @Override
    FailureReason complete(PolicyResponse response, Deliveries out, long nowNanos) {
        int code = response.status();
        Decision d;
        FailureReason failure = null;
        if (code >= 200 && code < 300) {
            d = allow(response.headers());
        } else if (code == 401 || code == 403 || (code >= 300 && code < 400)) {
            d = passThrough(response);
        } else {
            d = Decision.failed(FailureReason.STATUS.token());
            failure = FailureReason.STATUS;
        }
        done = true;
        out.add(r, d, nowNanos);
        return failure;
    }

    private Decision allow(HttpHeaders h) {
        String pool = h.get(names.pool());
        String backend = h.get(names.backend());
        String path = h.get(names.rewritePath());
        String query = h.get(names.rewriteQuery());
        List<String> set = new ArrayList<>();
        for (String v : h.getAll(names.setHeader())) {
            int colon = v.indexOf(':');
            if (colon <= 0) {
                return Decision.failed(FailureReason.INVALID_DECISION.token());
            }
            set.add(v.substring(0, colon).trim().toLowerCase(Locale.ROOT));
            set.add(v.substring(colon + 1).trim());
        }
        List<String> remove = new ArrayList<>();
        for (String v : h.getAll(names.removeHeader())) {
            for (String n : v.split(",")) {
                if (!n.isBlank()) {
                    remove.add(n.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        long ttl = 0;
        Scope scope = null;
        String ttlText = h.get(names.ttlMs());
        if (ttlText != null) {
            try {
                ttl = decimal(ttlText.trim());
            } catch (NumberFormatException e) {
                return Decision.failed(FailureReason.INVALID_DECISION.token());
            }
            if (ttl < 0 || ttl > 86_400_000L) {
                return Decision.failed(FailureReason.INVALID_DECISION.token());
            }
        }
        if (ttl > 0) {
            String scopeText = h.get(names.scope());
            scope = scopeText == null ? Scope.DEFAULT : Scope.parse(splitList(scopeText), r.policy.headerNames());
            if (scope == null) {
                return Decision.failed(FailureReason.INVALID_DECISION.token());
            }
        }
        boolean forward = pool != null || backend != null || path != null || query != null || !set.isEmpty()
                || !remove.isEmpty();
        if (!forward) {
            return ttl == 0 ? Decision.DEFAULT : new Decision(Decision.Action.DEFAULT, null, null, null, null, null,
                    List.of(), List.of(), 0, List.of(), null, ttl, scope);
        }
        if ((backend != null && dev.arbiter.appliance.config.HostPort.parse(backend) == null)
                || (path != null && !HeaderRules.isRewritePath(path))
                || (query != null && !HeaderRules.isRewriteQuery(query))
                || !HeaderRules.validPairs(set) || !HeaderRules.validNames(remove)) {
            return Decision.failed(FailureReason.INVALID_DECISION.token());
        }
        return new Decision(Decision.Action.FORWARD, null, pool, backend, path, query, List.copyOf(set),
                List.copyOf(remove), 0, List.of(), null, ttl, scope);
    }

    private Decision passThrough(PolicyResponse response) {
        if (response.content().readableBytes() > MAX_BODY) {
            return Decision.failed(FailureReason.TOO_LARGE.token());
        }
        // Fields the answer's Connection names are hop-by-hop too (RFC 9110 7.6.1): not relayed.
        List<String> nominated = new ArrayList<>();
        for (String v : response.headers().getAll(HttpHeaderNames.CONNECTION)) {
            nominated.addAll(splitList(v.toLowerCase(Locale.ROOT)));
        }
        List<String> headers = new ArrayList<>();
        for (Map.Entry<String, String> e : response.headers()) {
            String n = e.getKey().toLowerCase(Locale.ROOT);
            if (!HeaderRules.FORBIDDEN.contains(n) && !n.startsWith("x-policy-") && !nominated.contains(n)) {
                headers.add(n);
                headers.add(e.getValue());
            }
        }
        long ttl = 0;
        Scope scope = null;
        String ttlText = response.headers().get(names.ttlMs());
        if (ttlText != null) {
            try {
                ttl = Math.max(0, Math.min(86_400_000L, decimal(ttlText.trim())));
            } catch (NumberFormatException e) {
                ttl = 0;
            }
            if (ttl > 0) {
                String scopeText = response.headers().get(names.scope());
                scope = scopeText == null ? Scope.DEFAULT : Scope.parse(splitList(scopeText), r.policy.headerNames());
                if (scope == null) {
                    ttl = 0;
                }
            }
        }
        return new Decision(Decision.Action.RESPOND, null, null, null, null, null, List.of(), List.of(),
                response.status(), List.copyOf(headers), ByteBufUtil.getBytes(response.content()), ttl, scope);
    }

    /** Digits only, as the protocol writes the TTL: no sign, no spaces inside. */
    private static long decimal(String s) {
        if (s.isEmpty() || s.charAt(0) < '0' || s.charAt(0) > '9') {
            throw new NumberFormatException(s);
        }
        return Long.parseLong(s);
    }

    private static List<String> splitList(String s) {
        List<String> out = new ArrayList<>();
        for (String p : s.split(",")) {
            if (!p.isBlank()) {
                out.add(p.trim());
            }
        }
        return out;
    }

    @Override
    void requeue(PolicyGroup group) {
        if (!done) {
            done = true;
            group.requeueFirst(r);
        }
    }

    @Override
    void fail(FailureReason reason, Deliveries out) {
        if (!done) {
            done = true;
            out.add(r, Decision.failed(reason.token()), 0);
        }
    }

    @Override
    int size() {
        return 1;
    }
}
