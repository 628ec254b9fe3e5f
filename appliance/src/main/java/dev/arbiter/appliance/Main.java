package dev.arbiter.appliance;

import dev.arbiter.appliance.config.ConfigError;
import dev.arbiter.appliance.config.ConfigException;
import dev.arbiter.appliance.config.ConfigLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line: run the appliance on a config file, or only check the file. */
@Command(name = "arbiter", mixinStandardHelpOptions = true, version = "arbiter 0.1.0",
        description = "Load-balancer appliance whose routing decisions come from an external policy server.")
public final class Main implements Callable<Integer> {

    /** Exit code for an invalid config file. */
    static final int EXIT_INVALID_CONFIG = 2;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @Option(names = "--config", paramLabel = "FILE", description = "Run the appliance on this config file.")
        Path config;

        @Option(names = "--check-config", paramLabel = "FILE",
                description = "Validate this config file and exit: 0 when valid, 2 with one line per error.")
        Path check;
    }

    @Override
    public Integer call() throws Exception {
        if (mode.check != null) {
            return check(mode.check);
        }
        Appliance appliance;
        try {
            appliance = Appliance.start(mode.config);
        } catch (ConfigException e) {
            printErrors(e);
            return EXIT_INVALID_CONFIG;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(appliance::close, "arbiter-shutdown-hook"));
        appliance.terminated().join();
        return 0;
    }

    private static int check(Path file) {
        try {
            ConfigLoader.load(file);
            System.out.println(file + ": ok");
            return 0;
        } catch (ConfigException e) {
            printErrors(e);
            return EXIT_INVALID_CONFIG;
        }
    }

    private static void printErrors(ConfigException e) {
        for (ConfigError err : e.errors()) {
            System.err.println(err);
        }
    }

    public static void main(String[] args) {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // Leak tracking samples allocations on the request path; the test suite runs it at
            // "paranoid", production pays nothing for it unless asked (-Dio.netty.leakDetection.level).
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        }
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
