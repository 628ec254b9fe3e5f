package dev.arbiter.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * Two event loops complete policy calls of one group at the same time (the loop hand-off), while
 * the admin thread scrapes: every value is counted once and no writer waits for another.
 */
class PolicyGroupStatsTest {

    private static final int ROUNDS = 200;
    private static final int VALUES = 20_000;

    @Test
    void writersOnTheirOwnLanesShouldNeverStallEachOtherNorLoseACount() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            PolicyGroupStats stats = new PolicyGroupStats(2);
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                long seed = round * 2L + w;
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    // Values over seven decades, so both writers keep growing their histograms'
                    // storage: with one recorder shared by both, this livelocked within ~100 rounds.
                    SplittableRandom random = new SplittableRandom(seed);
                    for (int i = 0; i < VALUES; i++) {
                        long micros = 1 + (long) Math.pow(10, 7 * random.nextDouble());
                        stats.recordLatencyNanos(writer, micros * 1000);
                        stats.recordBatch(writer, 1 + random.nextInt(64));
                    }
                }, "test-writer-" + w);
                t.setDaemon(true);
                t.start();
                writers.add(t);
            }
            // The admin thread scrapes meanwhile, on its own thread too: a scrape waits for
            // writers to leave the recorder, so it would hang with them.
            AtomicLong scraped = new AtomicLong();
            List<Thread> writing = List.copyOf(writers);
            Thread scraper = new Thread(() -> {
                while (writing.stream().anyMatch(Thread::isAlive)) {
                    scraped.accumulateAndGet(stats.latencyMicros().getTotalCount(), Math::max);
                }
            }, "test-scraper");
            scraper.setDaemon(true);
            go.countDown();
            scraper.start();
            long deadline = System.nanoTime() + 10_000_000_000L; // a bound on a hang, not a speed check
            for (Thread t : List.of(writing.get(0), writing.get(1), scraper)) {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                assertThat(t.isAlive()).as("%s still running after 10 s in round %d", t.getName(), round).isFalse();
            }
            Histogram latency = stats.latencyMicros();
            assertThat(latency.getTotalCount()).as("latencies in round %d", round).isEqualTo(2L * VALUES);
            assertThat(stats.batchSizes().getTotalCount()).as("batches in round %d", round).isEqualTo(2L * VALUES);
            assertThat(latency.getMaxValue()).isGreaterThan(1_000_000);
            assertThat(scraped.get()).isLessThanOrEqualTo(2L * VALUES);
        }
    }
}
