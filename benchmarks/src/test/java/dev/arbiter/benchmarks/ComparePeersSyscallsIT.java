package dev.arbiter.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code compare-peers --syscalls} honest: the appliance's own system calls per request,
 * counted by the kernel while wrk drives it, come out as the work needs them. A plain proxied
 * request is one receive and one send on the client's connection and one of each on the
 * backend's, so the appliance without policy shows 2 and 2; with the policy on every request a
 * call to the policy server adds its send and receive on top, and the policy server's own calls
 * are counted. A count that is off (requests from the wrong window, a process not followed, the
 * kinds mixed up) moves these numbers.
 */
class ComparePeersSyscallsIT {

    private static final Pattern ROW = Pattern.compile(
            "\\| (?<label>[^|]+) \\| (?<poll>[0-9.]+) \\| (?<receive>[0-9.]+) \\| (?<send>[0-9.]+) \\| (?<other>[0-9.]+) "
                    + "\\| (?<total>[0-9.]+) \\| (?<policy>[0-9.]*) \\|");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldCountTwoReceivesAndTwoSendsPerProxiedRequestAndThePolicyCallsOnTop(@TempDir Path out) throws Exception {
        for (String tool : new String[] {"wrk", "nginx", "haproxy", "python3", "perf"}) {
            assumeTrue(Scripts.onPath(tool), "skipped: compare-peers --syscalls needs " + tool);
        }
        Scripts.assumeJarsBuilt();

        Scripts.runAndExpectSuccess("compare-peers", out.resolve("compare-peers.log"), 100,
                "--smoke", "--no-install", "--only", "appliance,appliance-policy-nocache", "--syscalls", "2",
                "--out", out.toString());

        String report = Files.readString(out.resolve("report.md"), StandardCharsets.UTF_8);
        assertThat(report).contains("## System calls per request (perf, 2 s at 32 connections)");
        assumeTrue(!report.contains("Not counted: "), () -> "skipped: " + report.substring(report.indexOf("Not counted: ")));

        Matcher plain = row(report, "appliance, no policy");
        assertThat(number(plain, "receive")).as("receives per request, no policy").isBetween(1.95, 2.05);
        assertThat(number(plain, "send")).as("sends per request, no policy").isBetween(1.95, 2.05);
        assertThat(plain.group("policy")).as("no policy server column without a policy").isEmpty();
        assertThat(number(plain, "total")).as("the kinds add up to at most the total")
                .isGreaterThanOrEqualTo(number(plain, "poll") + number(plain, "receive") + number(plain, "send") - 0.011);

        Matcher policy = row(report, "appliance + policy, cache off");
        assertThat(number(policy, "send")).as("sends per request with the policy calls").isGreaterThan(2.0).isLessThan(3.05);
        assertThat(number(policy, "receive")).as("receives per request with the policy calls").isGreaterThan(2.0).isLessThan(3.05);
        assertThat(Double.parseDouble(policy.group("policy"))).as("the policy server's calls per client request").isPositive();
    }

    private static Matcher row(String report, String label) {
        Matcher m = ROW.matcher(report);
        while (m.find()) {
            if (m.group("label").equals(label)) {
                return m;
            }
        }
        throw new AssertionError("no system-call row for " + label + " in:\n" + report);
    }

    private static double number(Matcher row, String column) {
        return Double.parseDouble(row.group(column));
    }
}
