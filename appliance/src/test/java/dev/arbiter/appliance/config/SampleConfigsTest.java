package dev.arbiter.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every sample under config/ loads, so the shipped samples never rot. */
class SampleConfigsTest {

    static List<Path> samples() throws IOException {
        Path dir = Path.of(System.getProperty("config.dir", "../config"));
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> list = files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
            assertThat(list).isNotEmpty();
            return list;
        }
    }

    @ParameterizedTest
    @MethodSource("samples")
    void shouldLoad(Path sample) throws Exception {
        ApplianceConfig c = ConfigLoader.load(sample);
        assertThat(c.listeners()).isNotEmpty();
    }
}
