package dev.arbiter.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code benchmarks/lib/hops.py} (compare-peers {@code --hops}) on a made-up capture whose hops are
 * worked out by hand: each hop ends at the first data packet of its kind, bare ACKs and a response's
 * second segment do not count, a packet of the wrong kind inside an exchange (a health check) is
 * skipped, and an exchange that never completes, or has no next request, is left out.
 */
class HopsTest {

    private static final int BALANCER = 8000;
    private static final int POLICY = 9000;
    private static final int BACKEND = 7001;

    /** One line of {@code tcpdump -r -tt -n} output: a packet from port a to port b. */
    private static void packet(StringBuilder out, int micros, int from, int to, int length) {
        out.append(String.format("100.%06d IP 127.0.0.1.%d > 127.0.0.1.%d: Flags [P.], seq 1:%d, ack 1, win 512, "
                + "options [nop,nop,TS val 1 ecr 1], length %d%n", micros, from, to, length + 1, length));
    }

    /** A complete exchange from {@code t}: the hops' durations in the order of the pipeline. */
    private static int exchange(StringBuilder c, int t, int toPolicy, int policy, int toBackend, int backend, int toClient) {
        packet(c, t, 50000, BALANCER, 80);                    // in
        packet(c, t + 1, BALANCER, 50000, 0);                 // bare ACK
        t += toPolicy;
        packet(c, t, 50001, POLICY, 300);                     // call
        t += policy;
        packet(c, t, POLICY, 50001, 200);                     // answer
        t += toBackend;
        packet(c, t, 50002, BACKEND, 150);                    // backend request
        t += backend;
        packet(c, t, BACKEND, 50002, 200);                    // backend response ...
        packet(c, t + 3, BACKEND, 50002, 200);                // ... and its second segment
        t += toClient;
        packet(c, t, BALANCER, 50000, 400);                   // out
        return t;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldTimeEachHopFromThePacketsOfCompleteExchanges(@TempDir Path dir) throws Exception {
        assumeTrue(Scripts.onPath("python3"), "skipped: hops.py needs python3");
        StringBuilder c = new StringBuilder();
        int end = exchange(c, 0, 20, 40, 30, 30, 20);          // in -> out 140
        end = exchange(c, end + 30, 10, 50, 20, 40, 30);       // next after 30; in -> out 150
        int start = end + 30;
        packet(c, start, 50000, BALANCER, 80);                 // in ...
        packet(c, start + 5, 7002, 50003, 60);                 // ... a health check's answer, out of turn
        packet(c, start + 30, 50001, POLICY, 300);             // call after 30
        packet(c, start + 75, POLICY, 50001, 200);             // policy 45
        packet(c, start + 100, 50002, BACKEND, 150);           // 25
        packet(c, start + 135, BACKEND, 50002, 200);           // backend 35
        packet(c, start + 160, BALANCER, 50000, 400);          // 25; in -> out 160
        start += 200;                                          // next after 40
        packet(c, start, 50000, BALANCER, 80);                 // an exchange that never completes
        packet(c, start + 10, 50001, POLICY, 300);
        packet(c, start + 50, POLICY, 50001, 200);
        exchange(c, start + 1000, 1, 1, 1, 1, 1);              // complete, but no next request
        Path capture = dir.resolve("capture.txt");
        Files.writeString(capture, c.toString(), StandardCharsets.UTF_8);

        String policy = Scripts.runAndExpectSuccess("lib/hops.py", dir.resolve("policy.log"), 30, capture.toString(),
                String.valueOf(BALANCER), String.valueOf(POLICY), BACKEND + ",7002", "policy");

        // Three exchanges count; medians (p90 = the largest of three).
        assertThat(policy).contains(
                "exchanges: 3",
                "request in → policy call (balancer): 20 30",
                "policy server: 45 50",
                "decision → backend request (balancer): 25 30",
                "backend: 35 40",
                "response → client (balancer): 25 30",
                "client's next request (wrk): 30 40",
                "balancer's own time (its hops summed): 70 80",    // 70, 60, 80
                "request in → response out: 150 160",
                "request in → response out: p99 (p99.9): 160 160");

        // Without a policy hop, request in -> backend request spans what the policy took.
        String plain = Scripts.runAndExpectSuccess("lib/hops.py", dir.resolve("plain.log"), 30, capture.toString(),
                String.valueOf(BALANCER), String.valueOf(POLICY), BACKEND + ",7002", "plain");
        assertThat(plain).contains("exchanges: 3", "request in → backend request (balancer): 90 100",
                "balancer's own time (its hops summed): 110 125").doesNotContain("policy server");
    }
}
