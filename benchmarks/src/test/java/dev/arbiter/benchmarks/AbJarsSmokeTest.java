package dev.arbiter.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code benchmarks/ab-jars} from rotting: one 1 s round of the appliance jar against
 * itself must start both, drive both and write the report with its B/A ratios. Runs only where
 * wrk and python3 are installed and the jars are built; skipped otherwise.
 */
class AbJarsSmokeTest {

    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path ROOT = MODULE.getParent();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldWriteASideBySideReportOfTwoBuilds(@TempDir Path out) throws Exception {
        for (String tool : new String[] {"wrk", "python3"}) {
            assumeTrue(onPath(tool), "skipped: ab-jars needs " + tool + " (apt-get install wrk python3)");
        }
        Path jar = ROOT.resolve("appliance/target/appliance.jar");
        for (String built : new String[] {"appliance/target/appliance.jar", "tools/demo-backend/target/demo-backend.jar",
            "tools/policy-server/target/policy-server.jar"}) {
            assumeTrue(Files.isRegularFile(ROOT.resolve(built)),
                    "skipped: " + built + " is not built (run mvn verify or mvn package, not mvn test)");
        }
        Path log = out.resolve("ab-jars.log");
        Process p = new ProcessBuilder(MODULE.resolve("ab-jars").toString(), jar.toString(), jar.toString(),
                "--rounds", "1", "--duration", "1", "--warmup", "0", "--connections", "4", "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(100, TimeUnit.SECONDS);
        if (!finished) {
            p.destroy();
            p.waitFor(15, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("ab-jars finished in time; output:%n%s", output).isTrue();
        assertThat(p.exitValue()).as("exit code; output:%n%s", output).isZero();
        String report = Files.readString(out.resolve("ab.md"), StandardCharsets.UTF_8);
        assertThat(report).contains("## 4 connections", "| A |", "| B |", "B / A: req/s");
        assertThat(report).doesNotContain("| A | 0 |").doesNotContain("| B | 0 |");
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
