package dev.arbiter.appliance;

import dev.arbiter.appliance.admin.AdminAddressFile;
import dev.arbiter.appliance.admin.LoopWatchdog;
import dev.arbiter.appliance.admin.SystemdNotifier;
import dev.arbiter.appliance.config.ConfigError;
import dev.arbiter.appliance.config.ConfigException;
import dev.arbiter.appliance.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Command line: run the appliance on a config file, or only check the file. */
@Command(name = "arbiter", mixinStandardHelpOptions = true, version = "arbiter 0.1.0",
        description = "Load-balancer appliance whose routing decisions come from an external policy server.")
public final class Main implements Callable<Integer> {

    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    /** Exit code for an invalid config file. */
    static final int EXIT_INVALID_CONFIG = 2;
    /**
     * Exit code for a service-manager environment that cannot be used: $NOTIFY_SOCKET or
     * $WATCHDOG_USEC, or an {@code --admin-address-file} that cannot be written.
     */
    static final int EXIT_BAD_ENVIRONMENT = 3;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @Option(names = "--config", paramLabel = "FILE", description = "Run the appliance on this config file.")
        Path config;

        @Option(names = "--check-config", paramLabel = "FILE",
                description = "Validate this config file and exit: 0 when valid, 2 with one line per error.")
        Path check;
    }

    @Option(names = "--admin-address-file", paramLabel = "FILE",
            description = "With --config: once serving, write the admin API's bound address (host:port) to this file,"
                    + " and remove it on exit. The system scripts (systemctl reload) find the running admin API there.")
    Path adminAddressFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (mode.check != null) {
            if (adminAddressFile != null) {
                throw new ParameterException(spec.commandLine(), "--admin-address-file needs --config: nothing serves with --check-config");
            }
            return check(mode.check);
        }
        SystemdNotifier notifier;
        try {
            notifier = SystemdNotifier.fromEnvironment(System.getenv(), ProcessHandle.current().pid());
        } catch (IllegalArgumentException e) {
            System.err.println("service manager environment: " + e.getMessage());
            return EXIT_BAD_ENVIRONMENT;
        }
        LoopWatchdog watchdog = watchdogFor(notifier);
        Appliance appliance;
        try {
            appliance = Appliance.start(mode.config);
        } catch (ConfigException e) {
            printErrors(e);
            return EXIT_INVALID_CONFIG;
        }
        if (adminAddressFile != null) {
            try {
                AdminAddressFile.write(adminAddressFile, appliance.adminAddress());
            } catch (IOException e) {
                System.err.println("--admin-address-file " + adminAddressFile + ": cannot write it: " + e);
                if (watchdog != null) {
                    watchdog.close();
                }
                appliance.close();
                return EXIT_BAD_ENVIRONMENT;
            }
        }
        AutoCloseable supervision = superviseBy(notifier, watchdog, appliance);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // First, so that no script talks to an admin API that is going away. Also runs when a
            // drain ends the process (System.exit).
            AdminAddressFile.remove(adminAddressFile);
            closeQuietly(supervision);
            appliance.close();
        }, "arbiter-shutdown-hook"));
        appliance.terminated().join();
        return 0;
    }

    /** The service watchdog systemd asked for ({@code WatchdogSec=}), pinging while the appliance starts; or null. */
    private static LoopWatchdog watchdogFor(SystemdNotifier notifier) {
        if (notifier == null || notifier.watchdogMicros() == 0) {
            return null;
        }
        AtomicBoolean failureLogged = new AtomicBoolean();
        return new LoopWatchdog(TimeUnit.MICROSECONDS.toNanos(notifier.watchdogMicros()), () -> {
            String failure = notifier.send("WATCHDOG=1");
            if (failure != null && failureLogged.compareAndSet(false, true)) {
                logFailure(failure);
            }
        });
    }

    /**
     * Under systemd ({@code Type=notify}): READY=1 now that the listeners are bound, WATCHDOG=1
     * from now on only while the event loops run, STOPPING=1 on close.
     */
    private static AutoCloseable superviseBy(SystemdNotifier notifier, LoopWatchdog watchdog, Appliance appliance) {
        if (notifier == null) {
            return () -> { };
        }
        if (watchdog != null) {
            watchdog.watch(appliance.eventLoops());
            LOG.info("service watchdog: " + appliance.eventLoops().size() + " event loop(s) checked every "
                    + notifier.watchdogMicros() / 4000 + " ms; systemd pinged while all run (" + notifier.socketName() + ")");
        }
        logFailure(notifier.send("READY=1"));
        return () -> {
            if (watchdog != null) {
                watchdog.close();
            }
            notifier.send("STOPPING=1");
            notifier.close();
        };
    }

    private static void logFailure(String failure) {
        if (failure != null) {
            LOG.warning("service manager notification: " + failure);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warning("service manager notification on shutdown: " + e);
        }
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
