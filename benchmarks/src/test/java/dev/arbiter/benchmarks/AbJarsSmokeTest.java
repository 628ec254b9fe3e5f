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
 * Keeps {@code benchmarks/ab-jars} from rotting: one 1 s round of the appliance jar against
 * itself, behind the static nginx backends, must start both, drive both and write the report
 * with its B/A ratios and the CPU split. Runs only where wrk, nginx and python3 are installed
 * and the jars are built; skipped otherwise.
 */
class AbJarsSmokeTest {

    private static final Path ROOT = Scripts.ROOT;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldWriteASideBySideReportOfTwoBuilds(@TempDir Path out) throws Exception {
        for (String tool : new String[] {"wrk", "nginx", "python3"}) {
            assumeTrue(Scripts.onPath(tool), "skipped: ab-jars needs " + tool + " (apt-get install wrk nginx-light python3)");
        }
        Path jar = ROOT.resolve("appliance/target/appliance.jar");
        Scripts.assumeJarsBuilt();
        Scripts.runAndExpectSuccess("ab-jars", out.resolve("ab-jars.log"), 100, jar.toString(), jar.toString(),
                "--rounds", "1", "--duration", "1", "--warmup", "0", "--connections", "4", "--nginx-backends",
                "--out", out.toString());
        String report = Files.readString(out.resolve("ab.md"), StandardCharsets.UTF_8);
        assertThat(report).contains("## 4 connections", "| A |", "| B |", "B / A: req/s", "backends: static nginx",
                "| of which kernel | busiest thread |", "(user space ");
        assertThat(report).doesNotContain("| A | 0 |").doesNotContain("| B | 0 |");
    }
}
