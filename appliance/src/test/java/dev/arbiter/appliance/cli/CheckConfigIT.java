package dev.arbiter.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.appliance.support.ApplianceProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The shipped jar's --check-config and --config on good and broken files. */
class CheckConfigIT {

    private static final Path BROKEN = Path.of("src/test/resources/broken-configs");

    static Stream<String> brokenFiles() throws IOException {
        try (Stream<Path> s = Files.list(BROKEN)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("brokenFiles")
    void shouldPrintOneLinePerErrorAndExit2(String name) throws Exception {
        ApplianceProcess.Result r = ApplianceProcess.run(BROKEN.toFile(), "--check-config", name);
        assertThat(r.exitCode()).isEqualTo(2);
        Path expected = BROKEN.resolve(name.replace(".yaml", ".expected"));
        if (Files.exists(expected)) {
            assertThat(r.stderrLines()).containsExactlyElementsOf(Files.readAllLines(expected));
        } else {
            assertThat(r.stderrLines()).hasSize(1).allMatch(l -> l.startsWith(name + ":"));
        }
    }

    @Test
    void shouldAcceptTheShippedConfig() throws Exception {
        Path config = Path.of(System.getProperty("config.dir")).resolve("appliance.yaml");
        ApplianceProcess.Result r = ApplianceProcess.run(null, "--check-config", config.toString());
        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(r.stdout()).contains(": ok");
    }

    @Test
    void shouldNeverStartHalfConfigured() throws Exception {
        Path file = Files.createTempFile("half", ".yaml");
        int port = ApplianceProcess.freePort();
        Files.writeString(file, "listeners:\n  - name: web\n    port: " + port + "\nvirtual-services:\n  - name: s\n"
                + "    pool: p\npools:\n  - name: p\n    backends: [127.0.0.1:1]\n    retries: many\n");
        ApplianceProcess.Result r = ApplianceProcess.run(null, "--config", file.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderrLines()).containsExactly(file + ":10: pools[0].retries: 'many' is not an integer (an integer from 0 to 10)");
        boolean bound;
        try (Socket s = new Socket("127.0.0.1", port)) {
            bound = s.isConnected();
        } catch (IOException expected) {
            bound = false;
        }
        assertThat(bound).as("the listener port must not have been bound").isFalse();
        Files.delete(file);
    }

    @Test
    void shouldExit2NamingTheKeyWhenAListenerPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path file = Files.createTempFile("taken", ".yaml");
            Files.writeString(file, "listeners:\n  - name: web\n    address: 127.0.0.1\n    port: " + taken.getLocalPort()
                    + "\nvirtual-services:\n  - name: s\n    pool: p\npools:\n  - name: p\n    backends: [127.0.0.1:1]\n"
                    + "admin:\n  port: 0\n");
            ApplianceProcess.Result r = ApplianceProcess.run(null, "--config", file.toString());
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.stderrLines()).containsExactly(file + ":4: listeners[0].port: cannot bind 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use (an address of this host and a port no other socket holds)");
            Files.delete(file);
        }
    }

    /**
     * The shipped config with its admin port taken, while its policy server accepts: the start
     * fails after the loops began connecting to the policy server, and shutting them down must
     * not log anything but the one error (that race showed in about 1 start of 3).
     */
    @Test
    void shouldFailCleanlyWhileConnectingToThePolicyServer() throws Exception {
        Path shipped = Path.of(System.getProperty("config.dir")).resolve("appliance.yaml");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ServerSocket policy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path file = Files.createTempFile("admin-taken", ".yaml");
            Files.writeString(file, Files.readString(shipped)
                    .replace("    port: 8080\n", "    port: 0\n")
                    .replace("  port: 9090\n", "  port: " + taken.getLocalPort() + "\n")
                    .replace("127.0.0.1:9100", "127.0.0.1:" + policy.getLocalPort()));
            int adminPortLine = Files.readAllLines(file).indexOf("  port: " + taken.getLocalPort()) + 1;
            assertThat(adminPortLine).as("admin.port's line in the shipped config").isPositive();
            for (int i = 0; i < 5; i++) {
                ApplianceProcess.Result r = ApplianceProcess.run(null, "--config", file.toString());
                assertThat(r.exitCode()).isEqualTo(2);
                assertThat(r.stderrLines()).last().asString()
                        .startsWith(file + ":" + adminPortLine + ": admin.port: cannot bind 127.0.0.1:");
                assertThat(r.stderrLines()).noneMatch(l -> l.contains("Exception") || l.contains("WARNING") || l.contains("SEVERE"));
            }
            Files.delete(file);
        }
    }

    @Test
    void shouldRequireAMode() throws Exception {
        ApplianceProcess.Result r = ApplianceProcess.run(null);
        assertThat(r.exitCode()).isNotZero();
        assertThat(String.join("\n", r.stderrLines())).contains("--config").contains("--check-config");
        List<String> help = ApplianceProcess.run(null, "--help").stdoutLines();
        assertThat(help).anyMatch(l -> l.contains("--check-config=FILE"));
    }
}
