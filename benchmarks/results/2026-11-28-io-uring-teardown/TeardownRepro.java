package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.support.ConcurrentClients;
import dev.arbiter.appliance.support.RawHttp;
import dev.arbiter.appliance.support.RunningAppliance;
import dev.arbiter.tools.policy.Options;
import java.util.List;

/**
 * Starts and stops appliances round after round in one JVM, in the shapes PolicyHandOffTest had
 * when CI first aborted: a 4-loop appliance whose policy server is health-checked every 100 ms,
 * then a 2-loop appliance with each policy hand-off (loop, ring) serving 24 clients x 30 requests.
 *
 * <p>Usage: {@code TeardownRepro ROUNDS [RUNTIME-YAML]}; the YAML lines (with {@code \n}) are
 * added to the runtime section, e.g. {@code "transport: io-uring"}. Prints one line per round.
 * In the test-classes package because it uses the tests' fixtures.
 */
public final class TeardownRepro {

    private static final String RULES = """
            rules:
              - name: to-other
                match: {path-prefix: /other}
                forward: {pool: other-pool}
            no-match: {default: true}
            """;

    private TeardownRepro() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        String runtime = args.length > 1 ? args[1].replace("\\n", "\n") : "";
        for (int i = 0; i < rounds; i++) {
            healthChecked(runtime);
            serving("loop", runtime);
            serving("ring", runtime);
            System.err.println("repro round " + i + " done");
        }
    }

    private static void serving(String handOff, String runtime) throws Exception {
        try (PolicyFixture f = new PolicyFixture(RULES, Options.defaults().withLatencyMs(5))) {
            f.app = RunningAppliance.start(f.config("group: g\ndeadline: 5s", "", "native")
                    .runtime("event-loop-cores: [0, 1]\npin-threads: false\ntimer-resolution: 5ms\n" + runtime)
                    .policy("hand-off: " + handOff + "\nmax-batch: 64\ngroups:\n  - name: g\n    servers: ["
                            + f.policy.address().getAddress().getHostAddress() + ":" + f.policy.port() + "]\n"
                            + "    connections-per-server: 1\n    health-check: {interval: 1h}\n"));
            List<String> problems = ConcurrentClients.run(f.app, 24, 30, (c, i) -> {
                RawHttp.Response r = c.get((i % 2 == 0 ? "/other/" : "/main/") + i);
                return r.status != 200 ? "status " + r.status : null;
            });
            if (!problems.isEmpty()) {
                System.err.println("problems: " + problems.size());
            }
        }
    }

    private static void healthChecked(String runtime) throws Exception {
        try (PolicyFixture f = new PolicyFixture(RULES, Options.defaults())) {
            f.app = RunningAppliance.start(f.config("group: g\ndeadline: 5s", "", "native")
                    .runtime("event-loop-cores: [0, 1, 2, 3]\npin-threads: false\ntimer-resolution: 5ms\n" + runtime)
                    .policy("hand-off: loop\ngroups:\n  - name: g\n    servers: ["
                            + f.policy.address().getAddress().getHostAddress() + ":" + f.policy.port() + "]\n"
                            + "    health-check: {interval: 100ms}\n"));
            Thread.sleep(2000);
            try (RawHttp c = f.app.connect()) {
                c.get("/other/x");
            }
        }
    }
}
