package dev.arbiter.tools.policy;

import dev.arbiter.tools.policy.rules.RuleSet;
import dev.arbiter.tools.policy.rules.RulesException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line of {@code policy-server.jar}; validates everything before binding. */
@Command(name = "policy-server", mixinStandardHelpOptions = true,
    description = "Arbiter reference policy server: answers policy protocol v1 calls from a YAML rules file.")
final class PolicyServerCommand implements Callable<Integer> {

    static final int EXIT_BAD_RULES = 2;
    static final int EXIT_CANNOT_START = 1;

    @Option(names = "--rules", required = true, paramLabel = "FILE", description = "YAML rules file.")
    Path rulesFile;

    @Option(names = "--port", defaultValue = "9090", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--address", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String address;

    @Option(names = "--compat-path", defaultValue = "/auth", description = "Compatibility-mode endpoint (default: ${DEFAULT-VALUE}).")
    String compatPath;

    @Option(names = "--latency-ms", defaultValue = "0", description = "Delay every decision answer by N ms (default: ${DEFAULT-VALUE}).")
    long latencyMs;

    @Option(names = "--fail-mode", defaultValue = "none", paramLabel = "MODE",
        description = "Inject a failure into decision answers: none, status:NNN, garbage, hang, close, missing, oversize, "
            + "malformed-first.")
    String failMode;

    @Option(names = "--fail-health", description = "Apply --fail-mode to GET /v1/health as well.")
    boolean failHealth;

    @Option(names = "--threads", defaultValue = "1", description = "Event loop threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--watch", description = "Reload the rules file when it changes (checked every second); a bad file keeps the old rules.")
    boolean watch;

    @Option(names = "--log-decisions", description = "Print one line per decision.")
    boolean logDecisions;

    private final PrintWriter err = new PrintWriter(System.err, true);

    static int run(String[] args) {
        return new CommandLine(new PolicyServerCommand()).execute(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        Options options;
        try {
            options = Options.defaults().withCompatPath(compatPath).withLatencyMs(latencyMs)
                .withFailMode(FailMode.parse(failMode)).withFailHealth(failHealth)
                .withIoThreads(threads).withLogDecisions(logDecisions);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        RuleSet rules = loadRules();
        if (rules == null) {
            return EXIT_BAD_RULES;
        }
        PolicyServer server;
        try {
            server = PolicyServer.start(rules, new InetSocketAddress(address, port), options);
        } catch (Exception e) {
            err.println("error: cannot listen on " + address + ":" + port + ": " + e);
            return EXIT_CANNOT_START;
        }
        System.out.println("policy server listening on " + server.baseUrl() + " (" + rules.size() + " rules)");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "policy-server-shutdown"));
        if (watch) {
            new RulesWatcher(rulesFile, server, this::loadRules).start();
        }
        stopped.await();
        return 0;
    }

    /** The rules, or null after printing every problem. */
    private RuleSet loadRules() {
        try {
            return RuleSet.load(rulesFile);
        } catch (RulesException e) {
            err.println("error: rules file " + rulesFile + " is invalid:");
            e.problems().forEach(problem -> err.println("  " + problem));
        } catch (IOException e) {
            err.println("error: cannot read rules file " + rulesFile + ": " + e);
        }
        return null;
    }
}
