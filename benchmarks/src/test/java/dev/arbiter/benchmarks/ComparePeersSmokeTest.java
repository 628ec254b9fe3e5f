package dev.arbiter.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
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

    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path ROOT = MODULE.getParent();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldWriteAReportComparingTheApplianceWithNginxAndHaproxy(@TempDir Path out) throws Exception {
        List<String> missing = new ArrayList<>();
        for (String tool : new String[] {"nginx", "haproxy", "wrk", "python3", "taskset"}) {
            if (!onPath(tool)) {
                missing.add(tool);
            }
        }
        assumeTrue(missing.isEmpty(), "skipped: compare-peers smoke run needs " + missing
                + " (apt-get install nginx-light haproxy wrk python3)");
        for (String jar : new String[] {"appliance/target/appliance.jar", "tools/demo-backend/target/demo-backend.jar",
            "tools/policy-server/target/policy-server.jar"}) {
            assumeTrue(Files.isRegularFile(ROOT.resolve(jar)),
                    "skipped: " + jar + " is not built (run mvn verify or mvn package, not mvn test)");
        }

        Path log = out.resolve("compare-peers.log");
        Process p = new ProcessBuilder(MODULE.resolve("compare-peers").toString(), "--smoke", "--no-install",
                "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(100, TimeUnit.SECONDS);
        if (!finished) {
            p.destroy();
            p.waitFor(15, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("compare-peers --smoke finished in time; output:%n%s", output).isTrue();
        assertThat(p.exitValue()).as("exit code; output:%n%s", output).isZero();

        String report = read(out.resolve("report.md"));
        assertThat(report).contains("| nginx (plain proxy) |", "| haproxy (plain proxy) |",
                "| nginx + auth_request (keep-alive) |", "| appliance, no policy |", "The issue's targets");
        assertThat(out.resolve("latency-c32.svg")).isNotEmptyFile();
        assertThat(output).doesNotContain("WARNING");
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

    private static String read(Path p) throws IOException {
        assertThat(p).exists();
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
