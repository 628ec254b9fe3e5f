package dev.arbiter.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code benchmarks/end-to-end} from rotting: one short open-loop rate through the appliance
 * without policy, with the policy and the cache off, and with the cache on, each row with its
 * percentiles and no errors. Runs after {@code package} (it needs {@code benchmarks.jar}).
 */
class EndToEndSmokeIT {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldDriveEveryApplianceTargetAtAFixedRate(@TempDir Path out) throws Exception {
        for (String tool : new String[] {"wrk", "nginx", "python3"}) {
            assumeTrue(Scripts.onPath(tool), "skipped: end-to-end needs " + tool + " (apt-get install wrk nginx-light python3)");
        }
        Scripts.assumeJarsBuilt();
        Scripts.assumeBenchJarBuilt();

        Scripts.runAndExpectSuccess("end-to-end", out.resolve("end-to-end.log"), 160, "--rates", "300",
                "--duration", "2", "--warmup", "1", "--jit-warmup", "1", "--connections", "4", "--out", out.toString());

        String report = Files.readString(out.resolve("end-to-end.md"), StandardCharsets.UTF_8);
        assertThat(report).doesNotContain("Not measured");
        for (String target : new String[] {"appliance, no policy", "appliance + policy, cache off",
            "appliance + policy, cache on"}) {
            assertThat(report).as(target).containsPattern("\\| " + Pattern.quote(target)
                    + " \\| 300 \\| [0-9,]+ \\| [0-9.]+ (µs|ms) \\|");
            assertThat(report).as(target + ": no errors")
                    .containsPattern(Pattern.quote(target) + " \\| 300 \\|( [^|]+ \\|){6} 0 \\|");
            assertThat(report).as(target + ": the appliance's collections, read from its /metrics")
                    .containsPattern("(?m)" + Pattern.quote(target) + " \\| 300 \\|( [^|]* \\|){10} [0-9,]+ \\| ([0-9]+ \\| (none|<= [0-9.]+ ms|over 1 s)) \\|$");
        }
        assertThat(out.resolve("end-to-end-300.svg")).isNotEmptyFile();
    }
}
