package dev.arbiter.appliance.support;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the shipped appliance jar as its own process, as an operator would; always bounded in time. */
public final class ApplianceProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private ApplianceProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static Path jar() {
        return Path.of(System.getProperty("appliance.jar", "target/appliance.jar"));
    }

    /** The outcome of a command that exits by itself. */
    public record Result(int exitCode, String stdout, String stderr) {
        public List<String> stderrLines() {
            return stderr.isEmpty() ? List.of() : Arrays.asList(stderr.split("\n"));
        }

        public List<String> stdoutLines() {
            return stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\n"));
        }
    }

    public static Result run(File workDir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", jar().toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("appliance-out", ".txt");
        Path err = Files.createTempFile("appliance-err", ".txt");
        Process p = new ProcessBuilder(cmd).directory(workDir).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("appliance did not exit within 60 s: " + cmd);
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip(),
                Files.readString(err, StandardCharsets.UTF_8).strip());
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Starts the appliance on {@code config} with the given JVM options; close() stops it by PID. */
    public static ApplianceProcess start(Path config, String... jvmOptions) throws IOException {
        return start(config, Map.of(), jvmOptions);
    }

    /** As {@link #start(Path, String...)}, with {@code environment} added to this process's. */
    public static ApplianceProcess start(Path config, Map<String, String> environment, String... jvmOptions)
            throws IOException {
        return start(config, List.of(), environment, jvmOptions);
    }

    /** As {@link #start(Path, Map, String...)}, with {@code arguments} after {@code --config FILE}. */
    public static ApplianceProcess start(Path config, List<String> arguments, Map<String, String> environment,
            String... jvmOptions) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin()));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-jar", jar().toAbsolutePath().toString(), "--config", config.toString()));
        cmd.addAll(arguments);
        Path log = Files.createTempFile("appliance-process", ".log");
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new ApplianceProcess(builder.start(), log);
    }

    public Process process() {
        return process;
    }

    public String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(log);
    }
}
