package dev.arbiter.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the benchmark scripts from the smoke tests. */
final class Scripts {

    /** The benchmarks module (the tests' working directory) and the repository root. */
    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path ROOT = MODULE.getParent();

    private Scripts() {
    }

    /** Whether {@code tool} is an executable on the PATH (or in /usr/sbin, /sbin). */
    static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Skips the calling test unless the jars the scripts run are built ({@code mvn verify} or {@code package}). */
    static void assumeJarsBuilt() {
        for (String jar : new String[] {"appliance/target/appliance.jar", "tools/demo-backend/target/demo-backend.jar",
            "tools/policy-server/target/policy-server.jar"}) {
            assumeTrue(Files.isRegularFile(ROOT.resolve(jar)),
                    "skipped: " + jar + " is not built (run mvn verify or mvn package, not mvn test)");
        }
    }

    /** Skips the calling test unless {@code benchmarks/target/benchmarks.jar} is built (package phase: run as an *IT). */
    static void assumeBenchJarBuilt() {
        assumeTrue(Files.isRegularFile(MODULE.resolve("target/benchmarks.jar")),
                "skipped: benchmarks/target/benchmarks.jar is not built (run mvn verify)");
    }

    /**
     * Runs {@code benchmarks/<script> args...} with its output in {@code log}; asserts it ended by
     * itself within {@code seconds} with exit code 0 (it is stopped otherwise).
     *
     * @return what it printed
     */
    static String runAndExpectSuccess(String script, Path log, int seconds, String... args) throws Exception {
        List<String> argv = new ArrayList<>();
        argv.add(MODULE.resolve(script).toString());
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!finished) {
            p.destroy();
            p.waitFor(15, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("%s finished in time; output:%n%s", script, output).isTrue();
        assertThat(p.exitValue()).as("exit code; output:%n%s", output).isZero();
        return output;
    }
}
