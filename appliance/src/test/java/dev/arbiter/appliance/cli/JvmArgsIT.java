package dev.arbiter.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.ApplianceProcess;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.appliance.support.TestConfig;
import dev.arbiter.tools.backend.DemoBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code config/jvm.args}, the argument file the image's unit, tools/demo and the benchmarks start
 * the appliance with: this JDK takes every option in it as written, and the appliance serves
 * when started with it.
 */
class JvmArgsIT {

    private static final Path ARGS = Path.of("..", "config", "jvm.args").toAbsolutePath().normalize();
    private static final Pattern OPTION = Pattern.compile("-XX:([+-])?(\\w+)(?:=(\\S+))?");

    @TempDir
    Path dir;

    @Test
    void shouldHaveTheJvmApplyEveryOptionOfTheFile() throws Exception {
        List<String[]> expected = new ArrayList<>();
        for (String line : Files.readAllLines(ARGS)) {
            String option = line.replaceFirst("#.*", "").trim();
            if (option.isEmpty()) {
                continue;
            }
            Matcher m = OPTION.matcher(option);
            assertThat(m.matches()).as("an -XX option per line in %s: %s", ARGS, option).isTrue();
            String value = m.group(3) != null ? m.group(3) : "+".equals(m.group(1)) ? "true" : "false";
            expected.add(new String[] {m.group(2), value});
        }
        assertThat(expected).isNotEmpty();

        Process java = new ProcessBuilder(javaBin(), "@" + ARGS, "-XX:+PrintFlagsFinal", "-version")
                .redirectErrorStream(true).start();
        String flags = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(java.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(java.exitValue()).as(flags).isZero();
        for (String[] flag : expected) {
            Pattern line = Pattern.compile("(?m)^\\s*\\S+\\s+" + flag[0] + "\\s+:?=\\s+(\\S+)\\s+\\{[^}]*\\}\\s+\\{command line\\}");
            Matcher m = line.matcher(flags);
            assertThat(m.find()).as("%s set from the command line", flag[0]).isTrue();
            assertThat(m.group(1)).as(flag[0]).isEqualTo(flag[1]);
        }
    }

    @Test
    void shouldServeWhenStartedWithTheFile() throws Exception {
        try (DemoBackend backend = DemoBackend.start("a")) {
            Path config = dir.resolve("appliance.yaml");
            int adminPort = ApplianceProcess.freePort();
            Files.writeString(config, TestConfig.create().pool("p", "", backend.address()).service("p")
                    .admin("address: 127.0.0.1\nport: " + adminPort).yaml());
            try (ApplianceProcess app = ApplianceProcess.start(config, "@" + ARGS)) {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                HttpRequest readyz = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                        .timeout(Duration.ofSeconds(2)).build();
                boolean ready = RunningAppliance.eventually(30, () -> {
                    try {
                        return client.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    } catch (Exception e) {
                        return false;
                    }
                });
                assertThat(ready).as(app.log()).isTrue();
            }
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
