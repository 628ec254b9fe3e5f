package dev.arbiter.tools.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/** Test client for a running {@link PolicyServer}: the calls an appliance makes, over real sockets. */
final class PolicyCalls {

    static final ObjectMapper JSON = new ObjectMapper();

    private final PolicyServer server;
    private final HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();

    PolicyCalls(PolicyServer server) {
        this.server = server;
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
            .timeout(Duration.ofSeconds(5))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headerPairs) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(5));
        for (int i = 0; i < headerPairs.length; i += 2) {
            request.header(headerPairs[i], headerPairs[i + 1]);
        }
        return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs a batch and returns the decisions by id, asserting a 200 JSON answer. */
    Map<Long, JsonNode> decide(String batchJson) throws IOException, InterruptedException {
        HttpResponse<String> response = post("/v1/decisions", batchJson);
        if (response.statusCode() != 200) {
            throw new AssertionError("expected 200, got " + response.statusCode() + ": " + response.body());
        }
        Map<Long, JsonNode> byId = new HashMap<>();
        Iterator<JsonNode> decisions = JSON.readTree(response.body()).get("decisions").elements();
        decisions.forEachRemaining(decision -> byId.put(decision.get("id").asLong(), decision));
        return byId;
    }

    /** A one-request batch for {@code path} from {@code client}. */
    static String batchOf(long id, String method, String path, String client) {
        return "{\"version\":1,\"requests\":[" + summary(id, method, path, client) + "]}";
    }

    static String summary(long id, String method, String path, String client) {
        return "{\"id\":" + id + ",\"service\":\"shop\",\"method\":\"" + method + "\",\"scheme\":\"http\","
            + "\"host\":\"shop.example.com\",\"path\":\"" + path + "\","
            + "\"client\":{\"address\":\"" + client + "\",\"port\":51234},\"headers\":{}}";
    }
}
