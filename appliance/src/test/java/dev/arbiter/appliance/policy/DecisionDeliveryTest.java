package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.config.ConfigLoader;
import dev.arbiter.appliance.route.RoutingTable;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Decisions reaching their requests: a native call's answer matched by id whatever order the
 * server answers in, and a loop delivering each decision once and recycling its summary.
 */
class DecisionDeliveryTest {

    private UnstartedStage fixture;
    private PolicyStage stage;
    private ServicePolicy policy;
    private final Map<Long, List<Decision>> delivered = new LinkedHashMap<>();
    private Deliveries out;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new UnstartedStage();
        stage = fixture.stage;
        policy = fixture.policy;
        out = new Deliveries((loop, items) -> {
            for (int i = 0; i < items.size(); i += 2) {
                PendingRequest p = (PendingRequest) items.get(i);
                delivered.computeIfAbsent(p.id, k -> new ArrayList<>()).add((Decision) items.get(i + 1));
            }
        }, 1, 0);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private NativeCall call(long... ids) {
        List<PendingRequest> batch = new ArrayList<>();
        for (long id : ids) {
            batch.add(PendingRequest.summarise(id, 0, policy, "GET", "shop", "/r" + id,
                    new InetSocketAddress("127.0.0.1", 40000), 80, new DefaultHttpHeaders(), 0));
        }
        return new NativeCall(batch, Unpooled.buffer(), Long.MAX_VALUE, new NativeCodec.Decoder());
    }

    /** Completes {@code c} with a 200 answer carrying {@code json}, and delivers its decisions. */
    private void completeWith(NativeCall c, String json) {
        PolicyResponse r = PolicyResponse.of(200, null, Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        try {
            assertThat(c.complete(r, out, System.nanoTime())).isNull();
        } finally {
            r.release();
        }
        out.flush();
    }

    @Test
    void shouldMatchDecisionsAnsweredInAnyOrderAndKeepTheFirstOfDuplicates() {
        NativeCall c = call(1, 2, 3, 4, 5);
        completeWith(c, """
                {"decisions":[
                  {"id":4,"action":"respond","status":404},
                  {"id":2,"action":"default"},
                  {"id":99,"action":"respond","status":500},
                  {"id":5,"action":"forward","pool":"p"},
                  {"id":2,"action":"respond","status":403},
                  {"id":1,"action":"respond","status":401}
                ]}""");
        assertThat(delivered).containsOnlyKeys(1L, 2L, 3L, 4L, 5L);
        delivered.values().forEach(list -> assertThat(list).hasSize(1));
        assertThat(delivered.get(1L).get(0).status()).isEqualTo(401);
        assertThat(delivered.get(2L).get(0).action()).isEqualTo(Decision.Action.DEFAULT);
        assertThat(delivered.get(3L).get(0).failure()).isEqualTo(FailureReason.MISSING_DECISION.token());
        assertThat(delivered.get(4L).get(0).status()).isEqualTo(404);
        assertThat(delivered.get(5L).get(0).pool()).isEqualTo("p");
    }

    /**
     * Consecutive decisions that are equal but for the id share one Decision; any other field
     * that differs (pool, headers, scope, TTL, action) gives a decision of its own.
     */
    @Test
    void shouldShareOnlyDecisionsThatAreEqualButForTheirId() {
        NativeCall c = call(1, 2, 3, 4, 5, 6, 7, 8);
        completeWith(c, """
                {"decisions":[
                  {"id":1,"action":"forward","pool":"a","ttl_ms":5000,"scope":["path"]},
                  {"id":2,"action":"forward","pool":"a","ttl_ms":5000,"scope":["path"]},
                  {"id":3,"action":"forward","pool":"a","ttl_ms":5000,"scope":["host"]},
                  {"id":4,"action":"forward","pool":"a","ttl_ms":5000,"scope":["host"],"set_headers":{"x-t":"1"}},
                  {"id":5,"action":"forward","pool":"a","ttl_ms":5000,"scope":["host"],"set_headers":{"x-t":"2"}},
                  {"id":6,"action":"forward","pool":"b","ttl_ms":5000,"scope":["host"],"set_headers":{"x-t":"2"}},
                  {"id":7,"action":"forward","pool":"b","ttl_ms":4000,"scope":["host"],"set_headers":{"x-t":"2"}},
                  {"id":8,"action":"respond","status":403}
                ]}""");
        Decision[] d = new Decision[9];
        for (long id = 1; id <= 8; id++) {
            d[(int) id] = delivered.get(id).get(0);
        }
        assertThat(d[2]).isSameAs(d[1]);
        for (int i = 3; i <= 8; i++) {
            assertThat(d[i]).as("decision %d differs from the one before it", i).isNotSameAs(d[i - 1]).isNotEqualTo(d[i - 1]);
        }
        assertThat(d[3].scope()).isNotEqualTo(d[1].scope());
        assertThat(d[4].setHeaders()).containsExactly("x-t", "1");
        assertThat(d[5].setHeaders()).containsExactly("x-t", "2");
        assertThat(d[6].pool()).isEqualTo("b");
        assertThat(d[7].ttlMillis()).isEqualTo(4000);
        assertThat(d[8].status()).isEqualTo(403);
    }

    @Test
    void aLoopShouldDeliverEachDecisionOnceAndReuseTheSummaryAfterwards() {
        LoopPolicy lp = new LoopPolicy(0, 16);
        List<String> heard = new ArrayList<>();
        PendingRequest p = lp.summarise(lp.nextId(), policy, "GET", "shop", "/a", new InetSocketAddress("127.0.0.1", 1),
                80, new DefaultHttpHeaders(), null, 0);
        long id = p.id;
        lp.await(id, (decidedId, d) -> heard.add(decidedId + " " + d.action()));
        List<Object> answer = List.of(p, Decision.DEFAULT);
        lp.deliver(answer, 1);
        lp.deliver(answer, 2); // a second delivery of the same summary must not reach anyone
        assertThat(heard).containsExactly(id + " DEFAULT");
        PendingRequest next = lp.summarise(lp.nextId(), policy, "GET", "shop", "/b",
                new InetSocketAddress("127.0.0.1", 2), 80, new DefaultHttpHeaders(), null, 3);
        assertThat(next).isSameAs(p);
        assertThat(next.uri).isEqualTo("/b");
        assertThat(next.id).isNotEqualTo(id);
    }

    @Test
    void aShadowDecisionShouldBeCountedOnceAndItsSummaryReusedByTheLoop() throws Exception {
        RoutingTable table = RoutingTable.build(ConfigLoader.parse(UnstartedStage.YAML.replace("policy: {group: g}",
                "policy: {group: g, mode: shadow}"), "t.yaml"), null, 1);
        stage.attach(table);
        ServicePolicy shadow = table.services().get(0).policy();
        LoopPolicy lp = new LoopPolicy(0, 16);
        Deliveries toLoop = new Deliveries((loop, items) -> lp.deliver(items, 1), 1, 0);
        PendingRequest p = lp.summarise(lp.nextId(), shadow, "GET", "shop", "/a", new InetSocketAddress("127.0.0.1", 1),
                80, new DefaultHttpHeaders(), null, 0);
        toLoop.add(p, Decision.DEFAULT, 0);
        toLoop.flush();
        assertThat(shadow.stats().shadowAgree.sum()).isEqualTo(1);
        assertThat(lp.summarise(lp.nextId(), shadow, "GET", "shop", "/b", new InetSocketAddress("127.0.0.1", 2), 80,
                new DefaultHttpHeaders(), null, 2)).as("recycled by its loop").isSameAs(p);
    }

    @Test
    void shouldMatchALargeBatchAnsweredInOrder() {
        long[] ids = new long[2048];
        StringBuilder json = new StringBuilder("{\"decisions\":[");
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + i;
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(ids[i]).append(",\"action\":\"respond\",\"status\":")
                    .append(400 + i % 100).append('}');
        }
        NativeCall c = call(ids);
        completeWith(c, json.append("]}").toString());
        assertThat(delivered).hasSize(ids.length);
        for (int i = 0; i < ids.length; i++) {
            assertThat(delivered.get(ids[i])).hasSize(1);
            assertThat(delivered.get(ids[i]).get(0).status()).isEqualTo(400 + i % 100);
        }
    }
}
