package dev.arbiter.tools.policy;

import static dev.arbiter.tools.policy.PolicyCalls.JSON;
import static dev.arbiter.tools.policy.PolicyCalls.batchOf;
import static dev.arbiter.tools.policy.PolicyCalls.summary;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.arbiter.tools.policy.rules.RuleSet;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NativeModeTest {

    private PolicyServer server;
    private PolicyCalls calls;

    @BeforeEach
    void start() throws Exception {
        RuleSet rules = RuleSet.load(Path.of("rules/canonical.yaml"));
        server = PolicyServer.start(rules, new InetSocketAddress("127.0.0.1", 0), Options.defaults());
        calls = new PolicyCalls(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void shouldRewriteUrlsThatDifferOnlyInVolatileParamsToOneCanonicalUrl() throws Exception {
        String[] variants = {
            "/catalog?item=5&color=red",
            "/catalog?sid=abc123&item=5&color=red",
            "/catalog?item=5&_=1712345678&color=red",
            "/catalog?utm_source=mail&item=5&utm_campaign=spring&color=red&sid=zz",
            "/catalog?_=1&item=5&sid=&color=red&utm_medium=cpc",
        };
        StringBuilder batch = new StringBuilder("{\"version\":1,\"requests\":[");
        for (int i = 0; i < variants.length; i++) {
            batch.append(i == 0 ? "" : ",").append(summary(i, "GET", variants[i], "203.0.113.9"));
        }
        Map<Long, JsonNode> decisions = calls.decide(batch.append("]}").toString());

        for (long id = 0; id < variants.length; id++) {
            JsonNode decision = decisions.get(id);
            assertThat(decision.get("action").asText()).isEqualTo("forward");
            assertThat(decision.at("/rewrite/query").asText()).as("variant %d", id).isEqualTo("item=5&color=red");
            assertThat(decision.at("/rewrite/path").isMissingNode()).isTrue();
        }
    }

    @Test
    void shouldKeepOtherParamsInTheirOrder() throws Exception {
        Map<Long, JsonNode> decisions = calls.decide(batchOf(1, "GET", "/s?z=1&sid=2&a=3&utm=4&session=5", "203.0.113.9"));
        assertThat(decisions.get(1L).at("/rewrite/query").asText()).isEqualTo("z=1&a=3&utm=4&session=5");
    }

    @Test
    void shouldCarryTtlAndScopeOfTheMatchingRule() throws Exception {
        JsonNode decision = calls.decide(batchOf(7, "GET", "/a?sid=1", "203.0.113.9")).get(7L);
        assertThat(decision.get("ttl_ms").asLong()).isEqualTo(30000);
        assertThat(decision.get("scope")).extracting(JsonNode::asText).containsExactly("method", "path", "query");
    }

    @Test
    void shouldDenyAdminFromOutsideAndDefaultFromLoopback() throws Exception {
        Map<Long, JsonNode> decisions = calls.decide("{\"version\":1,\"requests\":["
            + summary(1, "GET", "/admin/users", "203.0.113.9") + ","
            + summary(2, "GET", "/admin/users", "127.0.0.1") + ","
            + summary(3, "GET", "/admin/users", "::1") + "]}");
        assertThat(decisions.get(1L).get("action").asText()).isEqualTo("respond");
        assertThat(decisions.get(1L).get("status").asInt()).isEqualTo(403);
        assertThat(decisions.get(1L).at("/headers/content-type").asText()).isEqualTo("text/plain");
        assertThat(decisions.get(2L).get("action").asText()).isEqualTo("default");
        assertThat(decisions.get(3L).get("action").asText()).isEqualTo("default");
    }

    @Test
    void shouldForwardApiToItsPoolAndAnswerMaintenance() throws Exception {
        Map<Long, JsonNode> decisions = calls.decide("{\"version\":1,\"requests\":["
            + summary(1, "POST", "/api/orders", "203.0.113.9") + ","
            + summary(2, "GET", "/maintenance/", "203.0.113.9") + "]}");
        assertThat(decisions.get(1L).get("pool").asText()).isEqualTo("api-pool");
        assertThat(decisions.get(1L).at("/set_headers/x-policy-rule").asText()).isEqualTo("api");
        assertThat(decisions.get(2L).get("status").asInt()).isEqualTo(503);
        assertThat(decisions.get(2L).get("body").asText()).contains("maintenance");
        assertThat(decisions.get(2L).at("/headers/retry-after").asText()).isEqualTo("120");
    }

    @Test
    void shouldAnswerEveryIdOfALargeBatch() throws Exception {
        int count = 500;
        StringBuilder batch = new StringBuilder("{\"version\":1,\"requests\":[");
        for (int i = 0; i < count; i++) {
            long id = (1L << 52) + i * 7919L;
            String path = i % 3 == 0 ? "/api/x" : i % 3 == 1 ? "/admin" : "/p?sid=" + i;
            batch.append(i == 0 ? "" : ",").append(summary(id, i % 2 == 0 ? "GET" : "POST", path, "198.51.100." + (i % 250)));
        }
        Map<Long, JsonNode> decisions = calls.decide(batch.append("]}").toString());

        assertThat(decisions).hasSize(count);
        for (int i = 0; i < count; i++) {
            JsonNode decision = decisions.get((1L << 52) + i * 7919L);
            String expected = i % 3 == 0 ? "forward" : i % 3 == 1 ? "respond" : (i % 2 == 0 ? "forward" : "default");
            assertThat(decision.get("action").asText()).as("request %d", i).isEqualTo(expected);
        }
        assertThat(server.stats()).isEqualTo(new Stats(1, count, 0, 0));
    }

    @Test
    void shouldIgnoreUnknownFieldsInTheRequest() throws Exception {
        String batch = "{\"version\":1,\"future\":{\"x\":[1,2]},\"requests\":[{\"id\":3,\"service\":\"shop\",\"method\":\"GET\","
            + "\"scheme\":\"https\",\"host\":\"h\",\"path\":\"/api/v\",\"priority\":\"high\","
            + "\"client\":{\"address\":\"203.0.113.9\",\"port\":1,\"asn\":64500},\"headers\":{\"X-Mixed\":\"1\",\"n\":5}}]}";
        assertThat(calls.decide(batch).get(3L).get("pool").asText()).isEqualTo("api-pool");
    }

    @Test
    void shouldAnswerUnsupportedVersionWith400() throws Exception {
        HttpResponse<String> response = calls.post("/v1/decisions", "{\"version\":2,\"requests\":[]}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("unsupported version");
        assertThat(JSON.readTree(response.body()).get("supported").get(0).asInt()).isEqualTo(1);
    }

    @Test
    void shouldAnswerMalformedBatchWith400() throws Exception {
        assertThat(calls.post("/v1/decisions", "{\"version\":1,\"requests\":[{\"path\":\"/\"}]}").statusCode()).isEqualTo(400);
        assertThat(calls.post("/v1/decisions", "not json").statusCode()).isEqualTo(400);
    }

    @Test
    void shouldServeHealthStatsAnd404() throws Exception {
        assertThat(calls.get("/v1/health").statusCode()).isEqualTo(200);
        calls.decide(batchOf(1, "GET", "/", "203.0.113.9"));
        HttpResponse<String> stats = calls.get("/v1/stats");
        assertThat(JSON.readTree(stats.body()))
            .isEqualTo(JSON.readTree("{\"batches\":1,\"requests\":1,\"compat_requests\":0,\"health_checks\":1}"));
        assertThat(calls.get("/nope").statusCode()).isEqualTo(404);
        assertThat(calls.get("/v1/decisions").statusCode()).isEqualTo(405);
    }

    @Test
    void shouldAnswerPipelinedBatchesInOrderOnOneConnection() throws Exception {
        server.latencyMs(30);
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            StringBuilder pipelined = new StringBuilder();
            for (int id = 1; id <= 3; id++) {
                String body = batchOf(id, "GET", "/p" + id, "203.0.113.9");
                pipelined.append("POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ")
                    .append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n\r\n").append(body);
                // A health check between batches: ready at once, yet it must wait its turn.
                pipelined.append("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            out.write(pipelined.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                bodies.add(readBody(in));
            }
            assertThat(bodies.get(0)).contains("\"id\":1");
            assertThat(bodies.get(1)).contains("\"status\":\"ok\"");
            assertThat(bodies.get(2)).contains("\"id\":2");
            assertThat(bodies.get(4)).contains("\"id\":3");
        }
    }

    @Test
    void shouldCountEachConnectionThatSendsBatchesOnceHoweverManyItSends() throws Exception {
        try (Socket first = new Socket("127.0.0.1", server.port()); Socket second = new Socket("127.0.0.1", server.port())) {
            BufferedReader firstIn = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8));
            BufferedReader secondIn = new BufferedReader(new InputStreamReader(second.getInputStream(), StandardCharsets.UTF_8));
            for (int id = 1; id <= 3; id++) {
                writeBatch(first.getOutputStream(), id);
                assertThat(readBody(firstIn)).contains("\"id\":" + id);
            }
            writeBatch(second.getOutputStream(), 4);
            assertThat(readBody(secondIn)).contains("\"id\":4");
        }
        assertThat(server.batchConnections()).isEqualTo(2);
        assertThat(server.stats().batches()).isEqualTo(4);
    }

    private static void writeBatch(OutputStream out, long id) throws Exception {
        byte[] body = batchOf(id, "GET", "/p", "203.0.113.9").getBytes(StandardCharsets.UTF_8);
        out.write(("POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    /** Reads one Content-Length framed response and returns its body. */
    static String readBody(BufferedReader in) throws Exception {
        int length = -1;
        for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            read += in.read(body, read, length - read);
        }
        return new String(body);
    }
}
