package dev.arbiter.appliance.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The image's own boot test (image/boot-test) as a tagged JUnit test: builds the image, boots it
 * under QEMU, routes through it by policy and by fallback, upgrades, rolls back (a failing and
 * an undecided trial) and checks the service watchdog and the hardware watchdog's settings.
 * Slow (about 35 minutes), so it runs with {@code mvn -B verify -Pslow}, and .ci/run runs the
 * scripts directly.
 */
@Tag("slow")
class ImageBootIT {

    @Test
    @Timeout(value = 75, unit = TimeUnit.MINUTES)
    void imageShouldBuildBootAndBalance() throws Exception {
        Path repo = Path.of("..").toAbsolutePath().normalize();
        Path log = Files.createTempFile("image-boot", ".log");
        Process p = new ProcessBuilder(List.of("bash", "-c", "image/build && image/boot-test"))
                .directory(repo.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(70, TimeUnit.MINUTES);
        if (!done) {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        List<String> lines = Files.readAllLines(log);
        String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        assertThat(done).as("image build + boot test finished in 70 min:\n" + tail).isTrue();
        assertThat(p.exitValue()).as("image/boot-test:\n" + tail).isZero();
        Files.delete(log);
        assertThat(new File(repo.toFile(), "image/target/appliance.img")).exists();
    }
}
