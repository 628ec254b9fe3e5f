package dev.arbiter.tools.policy.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads native batch requests and writes decision batches (protocol, section 2). Lenient
 * where the protocol asks servers to be: unknown fields are ignored, and a summary lacking an
 * optional field reads as empty.
 */
public final class NativeCodec {

    public static final int PROTOCOL_VERSION = 1;
    private static final long MAX_ID = 1L << 53;

    private final ObjectMapper mapper = new ObjectMapper();

    /** Parses a {@code POST /v1/decisions} body. */
    public List<RequestSummary> readBatch(byte[] body) throws BadBatchException {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadBatchException("body is not JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new BadBatchException("body is not readable: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadBatchException("body is not a JSON object");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.isIntegralNumber() || version.asLong() != PROTOCOL_VERSION) {
            throw new UnsupportedVersionException();
        }
        JsonNode requests = root.get("requests");
        if (requests == null || !requests.isArray()) {
            throw new BadBatchException("\"requests\" must be an array");
        }
        List<RequestSummary> summaries = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            summaries.add(readSummary(requests.get(i), i));
        }
        return summaries;
    }

    private static RequestSummary readSummary(JsonNode node, int index) throws BadBatchException {
        if (!node.isObject()) {
            throw new BadBatchException("requests[" + index + "] is not an object");
        }
        JsonNode id = node.get("id");
        if (id == null || !id.isIntegralNumber() || !id.canConvertToLong() || id.asLong() < 0 || id.asLong() >= MAX_ID) {
            throw new BadBatchException("requests[" + index + "].id must be an integer in 0..2^53-1");
        }
        JsonNode client = node.path("client");
        return new RequestSummary(
            id.asLong(),
            text(node, "service"),
            text(node, "method"),
            text(node, "scheme"),
            text(node, "host"),
            text(node, "path"),
            text(client, "address"),
            client.path("port").asInt(0),
            headers(node.get("headers")));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : "";
    }

    private static Map<String, String> headers(JsonNode node) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getValue().isTextual()) {
                    headers.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue().asText());
                }
            }
        }
        return headers;
    }

    /** Writes the 200 answer to a batch: one decision per summary, in the same order. */
    public byte[] writeDecisions(List<RequestSummary> summaries, List<Decision> decisions) {
        ObjectNode root = mapper.createObjectNode();
        root.put("version", PROTOCOL_VERSION);
        ArrayNode array = root.putArray("decisions");
        for (int i = 0; i < summaries.size(); i++) {
            array.add(toJson(summaries.get(i).id(), decisions.get(i)));
        }
        return bytes(root);
    }

    /** One decision as the protocol's JSON object. */
    public ObjectNode toJson(long id, Decision decision) {
        ObjectNode node = mapper.createObjectNode();
        node.put("id", id);
        if (decision instanceof Decision.Forward forward) {
            writeForward(node, forward);
        } else if (decision instanceof Decision.Respond respond) {
            writeRespond(node, respond);
        } else {
            node.put("action", "default");
        }
        writeCache(node, decision.cache());
        return node;
    }

    private static void writeForward(ObjectNode node, Decision.Forward forward) {
        node.put("action", "forward");
        putIfPresent(node, "pool", forward.pool());
        putIfPresent(node, "backend", forward.backend());
        if (forward.rewritePath() != null || forward.rewriteQuery() != null) {
            ObjectNode rewrite = node.putObject("rewrite");
            putIfPresent(rewrite, "path", forward.rewritePath());
            putIfPresent(rewrite, "query", forward.rewriteQuery());
        }
        if (!forward.setHeaders().isEmpty()) {
            ObjectNode set = node.putObject("set_headers");
            forward.setHeaders().forEach(set::put);
        }
        if (!forward.removeHeaders().isEmpty()) {
            ArrayNode remove = node.putArray("remove_headers");
            forward.removeHeaders().forEach(remove::add);
        }
    }

    private static void writeRespond(ObjectNode node, Decision.Respond respond) {
        node.put("action", "respond");
        node.put("status", respond.status());
        if (!respond.headers().isEmpty()) {
            ObjectNode headers = node.putObject("headers");
            respond.headers().forEach(headers::put);
        }
        putIfPresent(node, "body", respond.body());
    }

    private static void writeCache(ObjectNode node, CacheHint cache) {
        if (!cache.cacheable()) {
            return;
        }
        node.put("ttl_ms", cache.ttlMs());
        if (cache.scope() != null) {
            ArrayNode scope = node.putArray("scope");
            cache.scope().forEach(scope::add);
        }
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    /** {@code {"error": message}}, plus the supported versions when the version was the problem. */
    public byte[] writeError(BadBatchException error) {
        ObjectNode root = mapper.createObjectNode();
        root.put("error", error.getMessage());
        if (error instanceof UnsupportedVersionException) {
            root.putArray("supported").add(PROTOCOL_VERSION);
        }
        return bytes(root);
    }

    /** Any small JSON document, e.g. the stats. */
    public byte[] bytes(JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain nodes always serialises", e);
        }
    }

    public ObjectMapper mapper() {
        return mapper;
    }
}
