package dev.arbiter.tools.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the server as the jar would, in a child JVM, and checks what an operator sees. */
class CommandLineTest {

    @TempDir
    Path dir;

    private static Process launch(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"),
            PolicyServer.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    @Test
    void shouldPrintListeningLineWithRuleCount() throws Exception {
        Process process = launch("--rules", "rules/canonical.yaml", "--port", "0");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).matches("policy server listening on http://127\\.0\\.0\\.1:[0-9]+ \\(4 rules\\)");
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldExitNonZeroWithEveryProblemOfABadRulesFile() throws Exception {
        Path rules = dir.resolve("bad.yaml");
        Files.writeString(rules, "rules:\n  - match: {path-prefix: api}\n    respond: {status: 99}\n");
        Process process = launch("--rules", rules.toString(), "--port", "0");
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(output)
            .contains("error: rules file " + rules + " is invalid:")
            .contains(rules + ":2: rules[0].match.path-prefix: \"api\" must start with \"/\"")
            .contains(rules + ":3: rules[0].respond.status: \"99\" must be a whole number in 200..599");
    }

    @Test
    void shouldExitNonZeroForMissingFileAndBadFlag() throws Exception {
        Process missing = launch("--rules", dir.resolve("nope.yaml").toString());
        assertThat(missing.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(missing.exitValue()).isEqualTo(2);
        assertThat(new String(missing.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("cannot read rules file");

        Process badFlag = launch("--rules", "rules/canonical.yaml", "--fail-mode", "explode");
        assertThat(badFlag.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(badFlag.exitValue()).isNotZero();
        assertThat(new String(badFlag.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).contains("allowed: none, status:NNN");
    }
}
