package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * What a decision may carry onto the wire (protocol section 2.5): header values, rewritten paths
 * and queries are checked against the grammar of the place they go, numbers against the range
 * of the field they fill, and a decision that breaks a rule fails its own request only. Every
 * such request gets an answer (its fallback or its refusal); none is left waiting.
 */
class DecisionSafetyTest {

    private static final Pattern CALL = Pattern.compile("\"id\":(\\d+),.*?\"path\":\"([^\"]*)\"");

    @AutoClose
    private final UnstartedStage fixture = UnstartedStage.create();

    @Test
    void shouldRefuseHeaderValuesThatAreNotFieldValues() throws Exception {
        // JSON escapes, so each value arrives as the characters named.
        List<String> bad = List.of("\" lead\"", "\"trail \"", "\"\\tlead\"", "\"a\\u0001b\"", "\"a\\u007fb\"",
                "\"snow\\u2603man\"");
        List<String> good = List.of("\"\"", "\"a b\"", "\"a\\tb\"", "\"caf\\u00e9\"", "\"text/plain; q=0.5\"");
        for (String v : bad) {
            List<Decision> d = decode(List.of(
                    "\"action\":\"forward\",\"set_headers\":{\"x-a\":" + v + "}",
                    "\"action\":\"respond\",\"status\":302,\"headers\":{\"location\":" + v + "}"));
            assertThat(d).as(v).allSatisfy(x -> assertThat(x.failure()).isEqualTo("invalid-decision"));
        }
        for (String v : good) {
            List<Decision> d = decode(List.of(
                    "\"action\":\"forward\",\"set_headers\":{\"x-a\":" + v + "}",
                    "\"action\":\"respond\",\"status\":302,\"headers\":{\"location\":" + v + "}"));
            assertThat(d).as(v).allSatisfy(x -> assertThat(x.isFailure()).isFalse());
        }
    }

    @Test
    void shouldRefuseRewritesThatAreNotARequestTarget() throws Exception {
        // Characters past U+00FF would be written as '?', moving the path/query boundary;
        // controls and 8-bit bytes are not request-target characters at all.
        List<String> badPaths = List.of("/admin\\u4e00debug=1", "/a\\u2028b", "/a\\tHTTP/1.0\\tX", "/caf\\u00e9",
                "/a#b", "/a\\u007f", "/a\\u0001", "/a?b", "/a b", "a/b");
        List<String> badQueries = List.of("a=\\u2028", "a=\\t", "a=#top", "a=\\u00e9", "a b");
        for (String p : badPaths) {
            assertThat(decode(List.of("\"action\":\"forward\",\"rewrite\":{\"path\":\"" + p + "\"}")).get(0).failure())
                    .as(p).isEqualTo("invalid-decision");
        }
        for (String q : badQueries) {
            assertThat(decode(List.of("\"action\":\"forward\",\"rewrite\":{\"query\":\"" + q + "\"}")).get(0).failure())
                    .as(q).isEqualTo("invalid-decision");
        }
        Decision fine = decode(List.of("\"action\":\"forward\",\"rewrite\":{\"path\":\"/a%20b/:c@d;e=f,g\","
                + "\"query\":\"x=%E2%98%83&y=/?z\"}")).get(0);
        assertThat(fine.isFailure()).isFalse();
        assertThat(fine.rewritePath()).isEqualTo("/a%20b/:c@d;e=f,g");
        assertThat(fine.rewriteQuery()).isEqualTo("x=%E2%98%83&y=/?z");
    }

    @Test
    void shouldFailOnlyTheDecisionWhoseNumberIsOutOfRange() throws Exception {
        List<Decision> d = decode(List.of(
                "\"action\":\"default\",\"ttl_ms\":9223372036854775808",
                "\"action\":\"respond\",\"status\":4294967496",
                "\"action\":\"respond\",\"status\":403"));
        assertThat(d.get(0).failure()).as("ttl_ms past a long").isEqualTo("invalid-decision");
        assertThat(d.get(1).failure()).as("status that wraps to 200 as an int").isEqualTo("invalid-decision");
        assertThat(d.get(2).isFailure()).isFalse();
        assertThat(d.get(2).status()).isEqualTo(403);

        // A decision whose id no long can hold belongs to no request: ignored, the others read.
        List<Decision> withStray = decodeJson("{\"decisions\":[{\"id\":100000000000000000000000,\"action\":\"default\"},"
                + "{\"id\":0,\"action\":\"respond\",\"status\":204}]}", 1);
        assertThat(withStray.get(0).status()).isEqualTo(204);
    }

    /**
     * End to end, with a policy server that answers each request by its path: before the checks,
     * a value Netty refuses when the request carries it out left the client without an answer
     * (and, cached, every later request of the service).
     */
    @Test
    void everyRequestWithAnUnusableDecisionShouldGetItsFallback() throws Exception {
        Map<String, String> answers = Map.of(
                "/lead", "\"action\":\"forward\",\"set_headers\":{\"x-a\":\" lead\"},\"ttl_ms\":10000,\"scope\":[]",
                "/ctl", "\"action\":\"forward\",\"set_headers\":{\"x-a\":\"a\\u0001b\"}",
                "/tab-location", "\"action\":\"respond\",\"status\":302,\"headers\":{\"location\":\"\\t/x\"}",
                "/cjk", "\"action\":\"forward\",\"rewrite\":{\"path\":\"/admin\\u4e00debug=1\"}",
                "/fine", "\"action\":\"forward\",\"set_headers\":{\"x-a\":\"fine\"}");
        List<String> order = List.of("/lead", "/ctl", "/tab-location", "/cjk", "/lead", "/fine");
        HttpServer policy = nativeServer(answers, 200);
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(config(b, policy));
             RawHttp c = app.connect()) {
            for (String uri : order) {
                RawHttp.Response r = c.get(uri);
                if (uri.equals("/fine")) {
                    assertThat(r.status).isEqualTo(200);
                    assertThat(b.received().poll(2, TimeUnit.SECONDS).headers().get("x-a")).isEqualTo("fine");
                    continue;
                }
                assertThat(r.status).as(uri + ": falls back to the pool").isEqualTo(200);
                assertThat(r.header("x-policy-fallback")).as(uri).isEqualTo("invalid-decision");
                assertThat(b.received().poll(2, TimeUnit.SECONDS).uri()).as(uri).isEqualTo(uri);
            }
        } finally {
            policy.stop(0);
        }
    }

    /**
     * An answer is one JSON value (protocol section 1): bytes after it make the answer malformed,
     * and none of its decisions is carried out, the ones read before the bytes included.
     */
    @Test
    void anAnswerWithMoreAfterItsJsonShouldBeRefusedWhole() throws Exception {
        for (String after : List.of("xyz", "{\"decisions\":[]}", "]]")) {
            HttpServer policy = nativeServer(Map.of("/deny", "\"action\":\"respond\",\"status\":403"), 200, after);
            try (DemoBackend b = DemoBackend.start("b");
                 RunningAppliance app = RunningAppliance.start(config(b, policy));
                 RawHttp c = app.connect()) {
                RawHttp.Response r = c.get("/deny");
                assertThat(r.status).as(after).isEqualTo(200);
                assertThat(r.header("x-policy-fallback")).as(after).isEqualTo("invalid-response");
            } finally {
                policy.stop(0);
            }
        }
        HttpServer policy = nativeServer(Map.of("/deny", "\"action\":\"respond\",\"status\":403"), 200, " \r\n");
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(config(b, policy));
             RawHttp c = app.connect()) {
            assertThat(c.get("/deny").status).as("whitespace after the answer is fine").isEqualTo(403);
        } finally {
            policy.stop(0);
        }
    }

    /** protocol section 7: an answer other than 200 is a batch failure, logged with the server's message. */
    @Test
    void aFailedCallShouldBeLoggedWithTheServersMessage() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Logger logger = Logger.getLogger(PolicyServerLink.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        HttpServer policy = nativeServer(Map.of(), 400);
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(config(b, policy));
             RawHttp c = app.connect()) {
            RawHttp.Response r = c.get("/any");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.header("x-policy-fallback")).isEqualTo("status");
            assertThat(lines).anySatisfy(l -> assertThat(l)
                    .contains("policy server 127.0.0.1:" + policy.getAddress().getPort())
                    .contains("call failed, status: HTTP 400 {\"error\":\"unsupported version\",\"supported\":[2]}"));
        } finally {
            logger.removeHandler(capture);
            policy.stop(0);
        }
    }

    /**
     * Compatibility mode: the same rules for rewrites and the TTL a 2xx carries; and a relayed
     * 401/3xx keeps none of the fields its {@code Connection} names (RFC 9110 7.6.1).
     */
    @Test
    void compatibilityModeShouldApplyTheSameRulesAndDropFieldsConnectionNames() throws Exception {
        Map<String, String[]> answers = Map.of(
                "/tab", new String[] {"X-Policy-Rewrite-Path", "/a\tHTTP/1.0"},
                "/signed-ttl", new String[] {"X-Policy-Rewrite-Path", "/x", "X-Policy-TTL-Ms", "+5"});
        HttpServer auth = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        auth.createContext("/auth", ex -> {
            String uri = ex.getRequestHeaders().getFirst("X-Original-URI");
            if (uri.equals("/login")) {
                ex.getResponseHeaders().add("Connection", "keep-alive, X-Secret");
                ex.getResponseHeaders().add("Connection", "X-Other");
                ex.getResponseHeaders().add("X-Secret", "internal-token");
                ex.getResponseHeaders().add("X-Other", "internal-too");
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"shop\"");
                ex.sendResponseHeaders(401, -1);
                ex.close();
                return;
            }
            String[] a = answers.get(uri);
            for (int i = 0; a != null && i < a.length; i += 2) {
                ex.getResponseHeaders().add(a[i], a[i + 1]);
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        auth.start();
        try (DemoBackend b = DemoBackend.start("b");
             RunningAppliance app = RunningAppliance.start(TestConfig.create()
                     .pool("p", "", b.address())
                     .service("svc", "[\"*\"]", "/", "p", "group: auth\ndeadline: 2s\non-failure: reject")
                     .policy("groups:\n  - name: auth\n    mode: compat\n    compat-path: /auth\n    servers: [127.0.0.1:"
                             + auth.getAddress().getPort() + "]\n    health-check: {path: /auth}\n"));
             RawHttp c = app.connect()) {
            for (String uri : answers.keySet()) {
                RawHttp.Response r = c.get(uri);
                assertThat(r.status).as(uri).isEqualTo(503);
                assertThat(r.header("x-policy-fallback")).as(uri).isEqualTo("invalid-decision");
            }
            assertThat(b.requestCount()).as("no refused decision reached the backend").isZero();
            RawHttp.Response login = c.get("/login");
            assertThat(login.status).isEqualTo(401);
            assertThat(login.header("www-authenticate")).isEqualTo("Basic realm=\"shop\"");
            assertThat(login.header("x-secret")).as("named by Connection").isNull();
            assertThat(login.header("x-other")).as("named by a second Connection line").isNull();
        } finally {
            auth.stop(0);
        }
    }

    private static TestConfig config(DemoBackend b, HttpServer policy) {
        return TestConfig.create()
                .pool("p", "", b.address())
                .service("svc", "[\"*\"]", "/", "p", "group: g\ndeadline: 2s\non-failure: fallback")
                .policy("groups:\n  - name: g\n    servers: [127.0.0.1:" + policy.getAddress().getPort() + "]\n"
                        + "    circuit-breaker: {failures: 10000}\n");
    }

    /** Answers each summary by its path from {@code answers} (else "default"); any other status answers the error of section 7. */
    private static HttpServer nativeServer(Map<String, String> answers, int status) throws Exception {
        return nativeServer(answers, status, "");
    }

    /** As above, with {@code after} written after the answer's JSON. */
    private static HttpServer nativeServer(Map<String, String> answers, int status, String after) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            String call = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            StringBuilder out = new StringBuilder();
            if (status == 200) {
                out.append("{\"decisions\":[");
                Matcher m = CALL.matcher(call);
                for (int i = 0; m.find(); i++) {
                    out.append(i == 0 ? "" : ",").append("{\"id\":").append(m.group(1)).append(',')
                            .append(answers.getOrDefault(m.group(2), "\"action\":\"default\"")).append('}');
                }
                out.append("]}").append(after);
            } else {
                out.append("{\"error\":\"unsupported version\",\"supported\":[2]}");
            }
            byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        s.start();
        return s;
    }

    private List<Decision> decode(List<String> bodies) throws Exception {
        StringBuilder json = new StringBuilder("{\"decisions\":[");
        for (int i = 0; i < bodies.size(); i++) {
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(',').append(bodies.get(i)).append('}');
        }
        return decodeJson(json.append("]}").toString(), bodies.size());
    }

    private List<Decision> decodeJson(String json, int requestCount) throws Exception {
        return fixture.decide(json, requestCount, new DefaultHttpHeaders());
    }
}
