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
 * Keeps {@code compare-peers --profile} working: async-profiler, which the build unpacks into
 * {@code benchmarks/target/async-profiler/} at {@code package}, attaches to the running appliance
 * (and, on the policy path, to the policy server), and the report gets each profile's summary and
 * a flame graph beside it.
 */
class ComparePeersProfileIT {

    private static final Path LIBRARY = Scripts.ROOT.resolve("benchmarks/target/async-profiler/linux-x64/libasyncProfiler.so");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldProfileTheApplianceAndItsPolicyServerWithKernelFramesAndDrawFlameGraphs(@TempDir Path out) throws Exception {
        for (String tool : new String[] {"wrk", "nginx", "haproxy", "python3", "jcmd"}) {
            assumeTrue(Scripts.onPath(tool), "skipped: compare-peers --profile needs " + tool);
        }
        assumeTrue("amd64".equals(System.getProperty("os.arch")), "skipped: the profile check runs on x86-64");
        Scripts.assumeJarsBuilt();
        assertThat(LIBRARY).as("unpacked by the benchmarks module's package phase").isRegularFile();

        Scripts.runAndExpectSuccess("compare-peers", out.resolve("compare-peers.log"), 100,
                "--smoke", "--no-install", "--only", "appliance-policy-nocache", "--profile", "2", "--out", out.toString());

        // The policy path: the appliance and, over the same load, the policy server it calls.
        String report = Files.readString(out.resolve("report.md"), StandardCharsets.UTF_8);
        assertThat(report).contains(
                "## Where the time goes: appliance + policy, cache off (async-profiler, 2 s at 32 connections)",
                "| where | share of the process's CPU |", "| Java threads, user space |",
                "Flame graph: [profile-appliance-policy-nocache.html](profile-appliance-policy-nocache.html)",
                "### The reference policy server over the same load",
                "Flame graph: [profile-appliance-policy-nocache-policy-server.html](profile-appliance-policy-nocache-policy-server.html)");
        for (String name : new String[] {"profile-appliance-policy-nocache.html", "profile-appliance-policy-nocache-policy-server.html"}) {
            Path flame = out.resolve(name);
            assertThat(Files.readString(flame, StandardCharsets.UTF_8)).as(name).contains("<h1>CPU profile</h1>", "const cpool");
            assertThat(Files.size(flame)).as("a flame graph with samples in it: " + name).isGreaterThan(20_000);
        }
    }
}
