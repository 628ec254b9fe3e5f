package dev.arbiter.benchmarks;

import dev.arbiter.appliance.config.ConfigException;
import dev.arbiter.appliance.config.ConfigLoader;
import dev.arbiter.appliance.route.RoutingTable;

/**
 * Appliance YAML for benchmarks and load runs: one listener, one or more pools, N virtual
 * services. The same text is used in-process (JMH, through {@link ConfigLoader}) and written to
 * files for the real appliance jar (scaling and end-to-end runs), so both measure one shape.
 */
public final class BenchConfigs {

    private BenchConfigs() {
    }

    /** Services are either N exact hosts, N {@code *.suffix} hosts, or N path prefixes under {@code *}. */
    public enum ServiceShape { EXACT_HOST, SUFFIX_HOST, PATH_PREFIX }

    /** Host header that matches service {@code i} of {@code shape}. */
    public static String hostFor(ServiceShape shape, int i) {
        return switch (shape) {
            case EXACT_HOST -> "svc-" + i + ".example.com";
            case SUFFIX_HOST -> "www.tenant-" + i + ".example.com";
            case PATH_PREFIX -> "shop.example.com";
        };
    }

    /** Request path that matches service {@code i} of {@code shape}. */
    public static String pathFor(ServiceShape shape, int i) {
        return shape == ServiceShape.PATH_PREFIX ? "/svc-" + i + "/catalog?item=5" : "/catalog?item=5";
    }

    /**
     * A whole appliance config.
     *
     * @param listenPort   listener port (0 = any)
     * @param adminPort    admin port (0 = any)
     * @param cores        value of runtime.event-loop-cores, e.g. "[0]"
     * @param pinThreads   runtime.pin-threads
     * @param algorithm    the pool's algorithm
     * @param backends     backend addresses of pool {@code p}
     * @param services     number of virtual services, all on pool {@code p}
     * @param shape        how the services differ
     * @param extraTopLevel YAML appended at top level (e.g. a policy section); may be empty
     */
    public static String yaml(int listenPort, int adminPort, String cores, boolean pinThreads, String algorithm,
            String[] backends, int services, ServiceShape shape, String extraTopLevel) {
        StringBuilder sb = new StringBuilder(256 + backends.length * 32 + services * 96);
        sb.append("runtime:\n  event-loop-cores: ").append(cores).append("\n  pin-threads: ").append(pinThreads)
                .append("\n  transport: epoll\n");
        sb.append("listeners:\n  - name: web\n    address: 127.0.0.1\n    port: ").append(listenPort).append('\n');
        sb.append("virtual-services:\n");
        for (int i = 0; i < services; i++) {
            sb.append("  - name: svc-").append(i).append('\n');
            switch (shape) {
                case EXACT_HOST -> sb.append("    hosts: [\"").append(hostFor(shape, i)).append("\"]\n");
                case SUFFIX_HOST -> sb.append("    hosts: [\"*.tenant-").append(i).append(".example.com\"]\n");
                case PATH_PREFIX -> sb.append("    hosts: [\"*\"]\n    path-prefix: /svc-").append(i).append("/\n");
            }
            sb.append("    pool: p\n");
        }
        sb.append("pools:\n  - name: p\n    algorithm: ").append(algorithm).append('\n');
        if (algorithm.equals("consistent-hash")) {
            sb.append("    hash-key: client-address\n");
        }
        sb.append("    max-idle-per-loop: 1024\n    backends:\n");
        for (int i = 0; i < backends.length; i++) {
            sb.append("      - address: ").append(backends[i]).append('\n');
            if (algorithm.equals("weighted-round-robin") || algorithm.equals("least-outstanding")) {
                sb.append("        weight: ").append(1 + i % 3).append('\n');
            }
        }
        sb.append("limits:\n  max-client-connections: 1000000\n  idle-timeout: 10m\n  max-requests-per-connection: 2147483647\n");
        sb.append("admin:\n  address: 127.0.0.1\n  port: ").append(adminPort).append('\n');
        sb.append(extraTopLevel);
        return sb.toString();
    }

    /**
     * Prints an appliance config on stdout, with {@code ${LISTEN_PORT}}, {@code ${ADMIN_PORT}} and
     * {@code ${PIN_THREADS}} left for the scripts to fill in:
     * {@code BenchConfigs ALGORITHM SERVICES SHAPE BACKEND_BASE_PORT BACKEND_COUNT}.
     */
    public static void main(String[] args) {
        String algorithm = args[0];
        int services = Integer.parseInt(args[1]);
        ServiceShape shape = ServiceShape.valueOf(args[2]);
        int base = Integer.parseInt(args[3]);
        String[] backends = new String[Integer.parseInt(args[4])];
        for (int i = 0; i < backends.length; i++) {
            backends[i] = "127.0.0.1:" + (base + i);
        }
        System.out.print(yaml(0, 0, "[0]", false, algorithm, backends, services, shape, "policy: {}\n")
                .replaceFirst("(listeners:\n  - name: web\n    address: 127.0.0.1\n    port: )0", "$1\\${LISTEN_PORT}")
                .replaceFirst("(admin:\n  address: 127.0.0.1\n  port: )0", "$1\\${ADMIN_PORT}")
                .replace("pin-threads: false", "pin-threads: ${PIN_THREADS}"));
    }

    /** {@code n} distinct loopback backend addresses (nothing needs to listen for in-process use). */
    public static String[] backendAddresses(int n) {
        String[] a = new String[n];
        for (int i = 0; i < n; i++) {
            a[i] = "127.0." + (i / 250) + "." + (1 + i % 250) + ":8080";
        }
        return a;
    }

    /** A routing table built exactly as the appliance builds it, with one event loop. */
    public static RoutingTable table(String algorithm, int backends, int services, ServiceShape shape) {
        String text = yaml(0, 0, "[0]", false, algorithm, backendAddresses(backends), services, shape, "");
        try {
            return RoutingTable.build(ConfigLoader.parse(text, "bench.yaml"), null, 1);
        } catch (ConfigException e) {
            throw new IllegalStateException("benchmark config rejected: " + e.errors(), e);
        }
    }
}
