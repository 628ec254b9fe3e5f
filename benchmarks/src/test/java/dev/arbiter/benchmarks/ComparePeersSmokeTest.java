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
 * target at 32 connections) must start every target, drive it and write a report, with each
 * target's hops at 1 connection ({@code --hops}) where tcpdump is installed and the test runs as
 * root. Runs only where nginx, haproxy, wrk and python3 are installed and the module jars are built;
 * skipped otherwise.
 */
class ComparePeersSmokeTest {

    private static final Path ROOT = Scripts.ROOT;

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
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

        String output = Scripts.runAndExpectSuccess("compare-peers", out.resolve("compare-peers.log"), 150,
                "--smoke", "--no-install", "--hops", "1", "--out", out.toString());

        String report = read(out.resolve("report.md"));
        assertThat(report).contains("| nginx (plain proxy) |", "| haproxy (plain proxy) |",
                "| nginx + auth_request (keep-alive) |", "| appliance, no policy |", "The issue's targets");
        assertThat(report).as("each balancer's kernel share and busiest thread")
                .contains("| of which kernel | busiest balancer thread |")
                .containsPattern("\\| haproxy \\(plain proxy\\) \\|( [^|]+ \\|){7} [0-9.]+ \\| [0-9]+% \\|")
                .containsPattern("\\| appliance, no policy \\|( [^|]+ \\|){7} [0-9.]+ \\| [0-9]+% \\|");
        assertThat(report).as("the appliance's collections during the runs, read from its /metrics")
                .contains("## Allocation and garbage collection in the appliance (all measured runs)")
                .containsPattern("\\| appliance, no policy \\| [0-9]+ \\| [0-9,]+ \\| [0-9]+ \\| [0-9.]+ \\| [0-9.]+% \\| "
                        + "(no collection|<= [0-9.]+ ms|over 1 s) \\|");
        assertMissedTargetsCarryTheirBudget(report);
        assertThat(out.resolve("latency-c32.svg")).isNotEmptyFile();
        assertThat(report).contains("## Where the time goes at 1 connection, hop by hop (tcpdump on lo, 1 s per target)");
        if (Scripts.onPath("tcpdump") && "root".equals(System.getProperty("user.name"))) {
            // Every target timed, each hop a median (p90) in µs; the policy server only on the policy paths.
            assertThat(report)
                    .containsPattern("\\| request in → backend request \\(balancer\\) \\| [0-9]+ \\([0-9]+\\) \\|")
                    .containsPattern("\\| policy server \\|( +\\|){2} [0-9]+ \\([0-9]+\\) \\|( +\\|){1} [0-9]+ \\([0-9]+\\) \\|")
                    .containsPattern("\\| balancer's own time \\(its hops summed\\) \\|( \\*\\*[0-9]+ \\([0-9]+\\)\\*\\* \\|){6}")
                    .doesNotContainPattern("\\| exchanges \\|[^\\n]*\\| 0 \\|");
        } else {
            assertThat(report).contains("Not measured: tcpdump is missing, or this user may not capture packets");
        }
        assertThat(output).doesNotContain("WARNING");
    }

    /**
     * A throughput target missed by its ratio says what it would take: the box CPU per request the wanted
     * ratio allows, what the rest of the request took, and what is left for the appliance, which
     * must be the difference of the two.
     */
    private static void assertMissedTargetsCarryTheirBudget(String report) {
        java.util.regex.Pattern budget = java.util.regex.Pattern.compile(
                "budget: at [0-9]+% of [0-9]+ CPUs busy, [0-9.]+x is ([0-9.]+) µs of box CPU per request; the rest of the "
                        + "request \\(backends, wrk\\) took ([0-9.]+), leaving (-?[0-9.]+) µs for the appliance( and its policy "
                        + "server)?, which took ([0-9.]+)");
        for (String line : report.split("\n")) {
            if (line.contains("x wanted (-")) { // the ratio fell short
                java.util.regex.Matcher m = budget.matcher(line);
                assertThat(m.find()).as("a budget in: %s", line).isTrue();
                double allowed = Double.parseDouble(m.group(1));
                double rest = Double.parseDouble(m.group(2));
                assertThat(Double.parseDouble(m.group(3))).as(line).isCloseTo(allowed - rest, org.assertj.core.data.Offset.offset(0.11));
                assertThat(Double.parseDouble(m.group(5))).as("what the appliance took: %s", line).isPositive();
            }
        }
    }

    private static String read(Path p) throws IOException {
        assertThat(p).exists();
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
