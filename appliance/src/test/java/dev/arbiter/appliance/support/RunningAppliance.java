package dev.arbiter.appliance.support;

import dev.arbiter.appliance.Appliance;
import dev.arbiter.appliance.config.ConfigException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** An appliance started in-process from a config written to a temp file, stopped by close(). */
public final class RunningAppliance implements AutoCloseable {

    private final Path file;
    private final Appliance appliance;
    private final HttpClient admin = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunningAppliance(Path file, Appliance appliance) {
        this.file = file;
        this.appliance = appliance;
    }

    public static RunningAppliance start(TestConfig config) throws IOException, ConfigException, InterruptedException {
        return start(config.yaml());
    }

    public static RunningAppliance start(String yaml) throws IOException, ConfigException, InterruptedException {
        Path file = Files.createTempFile("appliance-", ".yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return new RunningAppliance(file, Appliance.start(file));
    }

    public Appliance appliance() {
        return appliance;
    }

    public Path configFile() {
        return file;
    }

    public InetSocketAddress address() {
        return appliance.listenerAddress("web");
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + address().getPort();
    }

    public RawHttp connect() throws IOException {
        return new RawHttp(address());
    }

    public HttpResponse<String> adminGet(String path) throws IOException, InterruptedException {
        return admin.send(HttpRequest.newBuilder(adminUri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> adminPost(String path) throws IOException, InterruptedException {
        return admin.send(HttpRequest.newBuilder(adminUri(path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + appliance.adminAddress().getPort() + path);
    }

    /** The value of a metric sample line {@code name{labels}} in /metrics, or -1 when absent. */
    public double metric(String sample) throws IOException, InterruptedException {
        for (String line : adminGet("/metrics").body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1));
            }
        }
        return -1;
    }

    /** Polls {@code condition} every 20 ms for at most {@code seconds}; bounds a wait, measures nothing. */
    public static boolean eventually(int seconds, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    @Override
    public void close() throws IOException {
        appliance.close();
        Files.deleteIfExists(file);
    }
}
