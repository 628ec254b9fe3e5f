package dev.arbiter.tools.policy.http;

import dev.arbiter.tools.policy.protocol.CacheHint;
import dev.arbiter.tools.policy.protocol.Decision;
import dev.arbiter.tools.policy.protocol.HeaderNames;
import dev.arbiter.tools.policy.protocol.RequestSummary;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Compatibility mode (protocol, section 4): reads the original request from
 * {@code X-Original-*} / {@code X-Forwarded-*} headers and writes a decision as
 * {@code X-Policy-*} response headers, or as the 401/403/3xx the client should get.
 */
final class CompatCodec {

    static final String POOL = "X-Policy-Pool";
    static final String BACKEND = "X-Policy-Backend";
    static final String REWRITE_PATH = "X-Policy-Rewrite-Path";
    static final String REWRITE_QUERY = "X-Policy-Rewrite-Query";
    static final String SET_HEADER = "X-Policy-Set-Header";
    static final String REMOVE_HEADER = "X-Policy-Remove-Header";
    static final String TTL_MS = "X-Policy-TTL-Ms";
    static final String SCOPE = "X-Policy-Scope";
    static final String SERVICE = "X-Policy-Service";

    /** Headers that describe the call itself, not the client request: never offered to rules as request headers. */
    private static final Set<String> CALL_HEADERS = Set.of(
        "x-original-uri", "x-original-method", "x-forwarded-for", "x-forwarded-proto",
        "x-forwarded-host", "x-forwarded-port", "x-policy-service", "accept-encoding");

    private CompatCodec() {
    }

    static RequestSummary readSummary(String callMethod, HttpHeaders headers) {
        String forwardedFor = headers.get("X-Forwarded-For", "");
        int comma = forwardedFor.indexOf(',');
        String client = (comma < 0 ? forwardedFor : forwardedFor.substring(0, comma)).trim();
        return new RequestSummary(
            0,
            headers.get(SERVICE, ""),
            headers.get("X-Original-Method", callMethod).toUpperCase(Locale.ROOT),
            headers.get("X-Forwarded-Proto", "http").toLowerCase(Locale.ROOT),
            headers.get("X-Forwarded-Host", "").toLowerCase(Locale.ROOT),
            headers.get("X-Original-URI", "/"),
            client,
            0,
            requestHeaders(headers));
    }

    private static Map<String, String> requestHeaders(HttpHeaders headers) {
        Map<String, String> copied = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (CALL_HEADERS.contains(name) || HeaderNames.isForbidden(name)) {
                continue;
            }
            copied.merge(name, header.getValue(), (earlier, later) -> earlier + ", " + later);
        }
        return copied;
    }

    /** The answer to a compatibility call; a respond status the mode cannot carry becomes a 500 (a policy failure). */
    static Reply writeDecision(Decision decision) {
        if (decision instanceof Decision.Respond respond) {
            return writeRespond(respond);
        }
        FullHttpResponse response = Reply.response(200, new byte[0]);
        HttpHeaders out = response.headers();
        if (decision instanceof Decision.Forward forward) {
            writeForward(out, forward);
        }
        writeCache(out, decision.cache());
        return Reply.of(response);
    }

    private static void writeForward(HttpHeaders out, Decision.Forward forward) {
        setIfPresent(out, POOL, forward.pool());
        setIfPresent(out, BACKEND, forward.backend());
        setIfPresent(out, REWRITE_PATH, forward.rewritePath());
        setIfPresent(out, REWRITE_QUERY, forward.rewriteQuery());
        forward.setHeaders().forEach((name, value) -> out.add(SET_HEADER, name + ": " + value));
        forward.removeHeaders().forEach(name -> out.add(REMOVE_HEADER, name));
        // A forward naming nothing is a bare 2xx, which reads as "default": the same routing.
    }

    private static Reply writeRespond(Decision.Respond respond) {
        int status = respond.status();
        if (!passesThrough(status)) {
            return Reply.text(500, "respond status " + status
                + " cannot be expressed in compatibility mode (only 401, 403 and 3xx pass through)\n");
        }
        byte[] body = respond.body() == null ? new byte[0] : respond.body().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = Reply.response(status, body);
        respond.headers().forEach((name, value) -> response.headers().set(name, value));
        writeCache(response.headers(), respond.cache());
        return Reply.of(response);
    }

    static boolean passesThrough(int status) {
        return status == 401 || status == 403 || (status >= 300 && status <= 399);
    }

    private static void writeCache(HttpHeaders out, CacheHint cache) {
        if (!cache.cacheable()) {
            return;
        }
        out.set(TTL_MS, Long.toString(cache.ttlMs()));
        if (cache.scope() != null) {
            out.set(SCOPE, String.join(",", cache.scope()));
        }
    }

    private static void setIfPresent(HttpHeaders out, String name, String value) {
        if (value != null) {
            out.set(name, value);
        }
    }
}
