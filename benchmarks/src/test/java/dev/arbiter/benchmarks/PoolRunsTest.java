package dev.arbiter.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code benchmarks/pool-runs} on two made-up compare-peers runs whose answers are worked out by
 * hand: each round's ratio pairs the targets of the same round, the pooled median is over every
 * round of every run, and a run directory without a compare-peers.json is an error that names it.
 */
class PoolRunsTest {

    /** A compare-peers.json with these req/s per round at 32 connections (128 absent). */
    private static void run(Path dir, String commit, double[] appliance, double[] haproxy) throws Exception {
        Files.createDirectories(dir);
        StringBuilder raw = new StringBuilder("{");
        raw.append("\"appliance\": {\"32\": ").append(rounds(appliance)).append("}, ");
        raw.append("\"haproxy\": {\"32\": ").append(rounds(haproxy)).append("}}");
        Files.writeString(dir.resolve("compare-peers.json"),
                "{\"meta\": {\"commit\": \"" + commit + "\"}, \"args\": {}, \"skipped\": [], \"raw\": " + raw + "}",
                StandardCharsets.UTF_8);
    }

    private static String rounds(double[] rps) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < rps.length; i++) {
            s.append(i == 0 ? "" : ", ").append("{\"rps\": ").append(rps[i]).append("}");
        }
        return s.append("]").toString();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldPairTheTargetsRoundByRoundAndPoolEveryRound(@TempDir Path dir) throws Exception {
        assumeTrue(Scripts.onPath("python3"), "skipped: pool-runs needs python3");
        // Run a: rounds 1.5x, 1.25x, 0.93x (median 1.25x); its medians (130 / 100) give 1.3x.
        run(dir.resolve("a"), "aaaaaaa", new double[] {150, 100, 130}, new double[] {100, 80, 140});
        // Run b: the box slowed in round 2 for both; rounds 1.1x, 1.1x.
        run(dir.resolve("b"), "bbbbbbb", new double[] {110, 55}, new double[] {100, 50});

        String out = Scripts.runAndExpectSuccess("pool-runs", dir.resolve("pool.log"), 50,
                dir.resolve("a").toString(), dir.resolve("b").toString(), "--out", dir.resolve("pool.md").toString());

        // Every round: 1.5, 1.25, 0.93, 1.1, 1.1 -> median 1.1; >= 1.2 in 2 of 5.
        assertThat(out).contains("| appliance without policy >= 1.2x haproxy | 32 | 1.30 / 1.25, 1.10 / 1.10 | 1.100 | 2 of 5 |")
                .contains("(`aaaaaaa`)", "(`bbbbbbb`)")
                .as("targets with no data in these runs are left out").doesNotContain("| 128 |", "nginx + auth_request");
        assertThat(Files.readString(dir.resolve("pool.md"), StandardCharsets.UTF_8)).isEqualTo(out);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldNameADirectoryThatHoldsNoRun(@TempDir Path dir) throws Exception {
        assumeTrue(Scripts.onPath("python3"), "skipped: pool-runs needs python3");
        Path log = dir.resolve("pool.log");
        Process p = new ProcessBuilder(List.of(Scripts.MODULE.resolve("pool-runs").toString(), dir.resolve("none").toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(50, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(Files.readString(log, StandardCharsets.UTF_8)).contains("cannot read " + dir.resolve("none/compare-peers.json"));
    }
}
