package dev.arbiter.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code benchmarks/compare-peers} from rotting: its {@code --smoke} mode (one 2 s run per
 * target at 32 connections) must start every target, drive it and write a report. Runs only where
 * nginx, haproxy, wrk and python3 are installed and the module jars are built; skipped otherwise.
 */
class ComparePeersSmokeTest {

    private static final Path ROOT = Scripts.ROOT;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldWriteAReportComparingTheApplianceWithNginxAndHaproxy(@TempDir Path out) throws Exception {
        List<String> missing = new ArrayList<>();
        for (String tool : new String[] {"nginx", "haproxy", "wrk", "python3", "taskset"}) {
            if (!Scripts.onPath(tool)) {
                missing.add(tool);
            }
        }
        assumeTrue(missing.isEmpty(), "skipped: compare-peers smoke run needs " + missing
                + " (apt-get install nginx-light haproxy wrk python3)");
        Scripts.assumeJarsBuilt();

        String output = Scripts.runAndExpectSuccess("compare-peers", out.resolve("compare-peers.log"), 100,
                "--smoke", "--no-install", "--out", out.toString());

        String report = read(out.resolve("report.md"));
        assertThat(report).contains("| nginx (plain proxy) |", "| haproxy (plain proxy) |",
                "| nginx + auth_request (keep-alive) |", "| appliance, no policy |", "The issue's targets");
        assertThat(report).as("each balancer's kernel share and busiest thread")
                .contains("| of which kernel | busiest balancer thread |")
                .containsPattern("\\| haproxy \\(plain proxy\\) \\|( [^|]+ \\|){7} [0-9.]+ \\| [0-9]+% \\|")
                .containsPattern("\\| appliance, no policy \\|( [^|]+ \\|){7} [0-9.]+ \\| [0-9]+% \\|");
        assertThat(out.resolve("latency-c32.svg")).isNotEmptyFile();
        assertThat(output).doesNotContain("WARNING");
    }

    private static String read(Path p) throws IOException {
        assertThat(p).exists();
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
