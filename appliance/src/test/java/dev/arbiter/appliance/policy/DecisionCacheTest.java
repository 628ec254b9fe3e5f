package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decision cache holds as many decisions as {@code cache-entries} says, and never more: a
 * cache sized N keeps N distinct live decisions findable, and past N a new decision takes the
 * place of the least recently used among its probes instead of growing the cache.
 */
class DecisionCacheTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final Decision BY_PATH = byPath(3_600_000);
    private static final Decision BY_PATH_BRIEFLY = byPath(1);

    private UnstartedStage fixture;
    private ServicePolicy policy;
    private final DefaultHttpHeaders headers = new DefaultHttpHeaders();
    private final String[] headerValues = new String[SummarySlot.MAX_HEADERS];

    @BeforeEach
    void setUp() throws Exception {
        fixture = new UnstartedStage();
        policy = fixture.policy;
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private DecisionCache cache(int entries) {
        DecisionCache c = new DecisionCache(entries);
        c.ensureGeneration(fixture.table, 1);
        return c;
    }

    private static Decision byPath(long ttlMillis) {
        return new Decision(Decision.Action.FORWARD, null, null, null, null, null,
                List.of(), List.of(), 0, List.of(), null, ttlMillis, new Scope(Scope.PATH));
    }

    private void insert(DecisionCache c, int path, long now) {
        insert(c, path, BY_PATH, now);
    }

    private void insert(DecisionCache c, int path, Decision d, long now) {
        c.insert(PendingRequest.summarise(path, 0, policy, "GET", "shop", "/item/" + path, CLIENT, 80, headers, 0),
                d, now);
    }

    private boolean cached(DecisionCache c, int path, long now) {
        return c.lookup(policy, "GET", "shop", "/item/" + path, CLIENT.getAddress(), headerValues, now) != null;
    }

    @ParameterizedTest
    @ValueSource(ints = {1_000, 1_024, 4_096, 65_536, 100_000})
    void shouldKeepEveryOneOfItsEntriesFindable(int entries) {
        DecisionCache c = cache(entries);
        long now = System.nanoTime();
        for (int i = 0; i < entries; i++) {
            insert(c, i, now);
        }
        int found = 0;
        for (int i = 0; i < entries; i++) {
            found += cached(c, i, now) ? 1 : 0;
        }
        assertThat(c.size()).isEqualTo(entries);
        assertThat(found).isEqualTo(entries);
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 4_096})
    void shouldNeverHoldMoreThanItsEntriesAndStillTakeNewDecisions(int entries) {
        DecisionCache c = cache(entries);
        long now = System.nanoTime();
        int inserted = 5 * entries;
        for (int i = 0; i < inserted; i++) {
            insert(c, i, now + i);  // later decisions expire later: the oldest give way first
        }
        int found = 0;
        int recent = 0;
        for (int i = 0; i < inserted; i++) {
            if (cached(c, i, now + inserted)) {
                found++;
                recent += i >= inserted - entries ? 1 : 0;
            }
        }
        assertThat(c.size()).isEqualTo(entries);
        assertThat(found).isEqualTo(entries);  // every entry it counts can be found
        // a full cache keeps taking new decisions: the least recently used among a new one's
        // probes gives way, so most of the newest N are there
        assertThat(recent).isGreaterThan(entries / 2);
    }

    @Test
    void shouldKeepDecisionsThatKeepBeingHitWhileOneOffsTurnOver() {
        // Half the requests go to 50 hot paths, half to paths seen once: the cache (1,000) turns
        // over ten times. Least recently used gives way, so a hot decision, hit every ~100
        // requests, is not the one evicted; evicting the oldest or the soonest to expire would
        // drop each hot one about once per turnover (a 5% miss rate on them).
        DecisionCache c = cache(1_000);
        long now = System.nanoTime();
        int hot = 50;
        int hotRequests = 0;
        int hotMisses = 0;
        int oneOff = 1_000_000;
        for (int i = 0; i < 20_000; i++) {
            now += 1_000;  // a request every microsecond; the TTL (1 h) never passes
            int path = i % 2 == 0 ? (i / 2) % hot : oneOff++;
            if (!cached(c, path, now)) {
                insert(c, path, now);
                if (path < hot && i >= 2 * hot) {
                    hotMisses++;
                }
            }
            hotRequests += path < hot && i >= 2 * hot ? 1 : 0;
        }
        assertThat(c.size()).isEqualTo(1_000);
        assertThat(hotMisses).as("misses of %d requests for hot decisions", hotRequests).isLessThan(hotRequests / 100);
    }

    @Test
    void shouldReplaceAnExpiredEntryWithoutGrowing() {
        DecisionCache c = cache(100);
        long now = System.nanoTime();
        insert(c, 1, now);
        long later = now + 3_600_000L * 1_000_000L;  // the TTL has passed
        assertThat(cached(c, 1, later)).isFalse();
        insert(c, 1, later);
        assertThat(cached(c, 1, later)).isTrue();
        assertThat(c.size()).isEqualTo(1);
    }

    @Test
    void shouldKeepLiveEntriesFindableWhenExpiredOnesAmongThemAreRemoved() {
        DecisionCache c = cache(2_000);
        long now = System.nanoTime();
        for (int i = 0; i < 2_000; i++) {
            insert(c, i, i % 2 == 0 ? BY_PATH_BRIEFLY : BY_PATH, now);
        }
        long later = now + 10_000_000L;  // the brief ones have expired
        for (int i = 0; i < 2_000; i += 2) {
            assertThat(cached(c, i, later)).isFalse();  // found expired: removed
        }
        int found = 0;
        for (int i = 1; i < 2_000; i += 2) {
            found += cached(c, i, later) ? 1 : 0;
        }
        assertThat(found).isEqualTo(1_000);
        assertThat(c.size()).isEqualTo(1_000);
        assertThat(c.expiries).isEqualTo(1_000);
    }
}
