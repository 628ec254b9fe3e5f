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
 * Keeps {@code benchmarks/scaling} from rotting: its {@code --quick} mode (two sizes per axis, 2 s
 * steps) must measure every axis and write the report with its verdicts and charts. Runs after
 * {@code package} (it needs {@code benchmarks.jar}), where wrk and python3 are installed.
 */
class ScalingSmokeIT {

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldMeasureEveryAxisAndWriteTheReport(@TempDir Path out) throws Exception {
        for (String tool : new String[] {"wrk", "nginx", "python3", "jcmd"}) {
            assumeTrue(Scripts.onPath(tool), "skipped: scaling needs " + tool + " (apt-get install wrk nginx-light python3)");
        }
        Scripts.assumeJarsBuilt();
        Scripts.assumeBenchJarBuilt();

        Scripts.runAndExpectSuccess("scaling", out.resolve("scaling.log"), 280, "--quick", "--out", out.toString());

        String report = Files.readString(out.resolve("scaling.md"), StandardCharsets.UTF_8);
        assertThat(report).contains("## Axis: connections", "## Axis: backends", "## Axis: services", "## Axis: cache",
                "| memory per idle client connection < 16 KiB |", "| memory per decision-cache entry |",
                "across backends (round-robin)", "across services (exact hosts)");
        assertThat(report).as("the cache axis's larger step").containsPattern("\\| decision-cache entries \\| 1,00\\d \\|");
        assertThat(report).as("no axis failed or was skipped").doesNotContain("Not measured");
        assertThat(report).as("each step's kernel share, and where the CPU per request moved across the backends axis")
                .containsPattern("\\| round-robin \\| 100 \\|( [^|]+ \\|){4} [0-9.]+ \\| [0-9.]+ \\| [0-9.]+ \\|")
                .containsPattern("across backends \\(round-robin\\)[^\\n]*from 2 to 100: user space [0-9.]+ -> [0-9.]+ µs, "
                        + "kernel [0-9.]+ -> [0-9.]+ µs per request");
        assertThat(report).as("each step paired with the smallest step of the same round")
                .contains("| the same, paired by round (round-robin) |", "| the same, paired by round (exact hosts) |")
                .contains("| series | 2 | 100 |")
                .containsPattern("\\| round-robin \\| 1\\.00x / 1\\.00x \\| [0-9.]+x / [0-9.]+x \\|");
        assertThat(report).as("the cache axis measured hits, not misses").containsPattern("1,00\\d entries: [^;]*, 1\\.00\\d cache hits/req");
        if (Scripts.onPath("haproxy")) {
            assertThat(report).contains("| haproxy round-robin (reference) | 100 |");
        }
        for (String svg : new String[] {"scaling-connections-memory.svg", "scaling-backends-throughput.svg",
            "scaling-services-p99.svg", "scaling-cache-throughput.svg"}) {
            assertThat(out.resolve(svg)).isNotEmptyFile();
        }
    }
}
