package dev.arbiter.appliance.config;

import dev.arbiter.appliance.config.ApplianceConfig.AdminConfig;
import dev.arbiter.appliance.config.ApplianceConfig.BackendConfig;
import dev.arbiter.appliance.config.ApplianceConfig.HashKey;
import dev.arbiter.appliance.config.ApplianceConfig.HealthCheckConfig;
import dev.arbiter.appliance.config.ApplianceConfig.LimitsConfig;
import dev.arbiter.appliance.config.ApplianceConfig.ListenerConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PassiveEjectionConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PolicyConfig;
import dev.arbiter.appliance.config.ApplianceConfig.PoolConfig;
import dev.arbiter.appliance.config.ApplianceConfig.ServicePolicyConfig;
import dev.arbiter.appliance.config.ApplianceConfig.RuntimeConfig;
import dev.arbiter.appliance.config.ApplianceConfig.VirtualServiceConfig;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the appliance YAML file into an {@link ApplianceConfig}, validating everything in one pass.
 *
 * <p>Either the whole file is valid and a complete snapshot comes back, or a
 * {@link ConfigException} lists every error with file, line, key and what is allowed; a
 * half-valid file never yields a config. The defaults here are the ones docs/config.md documents.
 */
public final class ConfigLoader {

    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;
    static final long GIB = 1024 * MIB;
    private static final long DAY_MILLIS = 86_400_000L;
    /** {@code runtime.idle-spin-us} when the file does not say. */
    static final int DEFAULT_IDLE_SPIN_MICROS = 50;

    private ConfigLoader() {
    }

    public static ApplianceConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(file.toString(), 0, "(file)",
                    "cannot be read: " + e.getMessage(), "a readable UTF-8 YAML file")));
        }
        return parse(text, file.toString());
    }

    public static ApplianceConfig parse(String text, String source) throws ConfigException {
        Problems problems = new Problems(source);
        org.yaml.snakeyaml.nodes.Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(true); // reported by Node with a line number instead
            options.setMaxAliasesForCollections(10);
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new ConfigException(List.of(new ConfigError(source, line, "(syntax)",
                    e.getProblem(), "valid YAML")));
        } catch (YAMLException e) {
            throw new ConfigException(List.of(new ConfigError(source, 0, "(syntax)", e.getMessage(), "valid YAML")));
        }
        if (root == null) {
            throw new ConfigException(List.of(new ConfigError(source, 0, "(file)", "is empty",
                    "at least a listener, a virtual service and a pool")));
        }
        Node top = new Node(root, "", problems);
        if (!top.isMapping()) {
            top.fail("the top level must be a mapping", "sections: runtime, listeners, virtual-services, pools, limits, admin, policy");
            throw new ConfigException(problems.sorted());
        }
        ApplianceConfig config = new ConfigLoader.Reader(top, source).read();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.sorted());
        }
        return config;
    }

    /** One pass over the tree; holds nothing beyond the pass. */
    static final class Reader {
        private final Node top;
        private final String source;

        Reader(Node top, String source) {
            this.top = top;
            this.source = source;
        }

        ApplianceConfig read() {
            RuntimeConfig runtime = runtime(top.section("runtime"));
            List<ListenerConfig> listeners = listeners(top);
            List<PoolConfig> pools = pools(top);
            PolicyConfig policy = PolicySection.read(top.section("policy"), runtime.eventLoopCores().size());
            List<VirtualServiceConfig> services = virtualServices(top, listeners, pools, policy);
            LimitsConfig limits = limits(top.section("limits"));
            AdminConfig admin = admin(top.section("admin"));
            top.rejectUnknownKeys();
            return new ApplianceConfig(source, runtime, listeners, services, pools, limits, admin, policy);
        }

        private RuntimeConfig runtime(Node n) {
            int cpus = Runtime.getRuntime().availableProcessors();
            List<Integer> cores = new ArrayList<>();
            Node coresNode = n.get("event-loop-cores");
            if (coresNode == null || "auto".equals(coresNode.text())) {
                for (int i = 0; i < cpus; i++) {
                    cores.add(i);
                }
            } else if (coresNode.isSequence() && !coresNode.elements().isEmpty()) {
                Set<Integer> seen = new HashSet<>();
                for (Node c : coresNode.elements()) {
                    Integer core = parseCore(c.text());
                    if (core == null || core < 0 || core >= 1024) {
                        c.fail("'" + c.text() + "' is not a CPU number", "0 to 1023");
                    } else if (!seen.add(core)) {
                        c.fail("CPU " + core + " is listed twice", "each CPU once");
                    } else {
                        cores.add(core);
                    }
                }
            } else {
                coresNode.fail("must be 'auto' or a non-empty list of CPU numbers", "auto, or e.g. [0, 1]");
                cores.add(0);
            }
            boolean pin = n.bool("pin-threads", true);
            Transport transport = n.enumValue("transport", Transport.EPOLL, Transport.class);
            long tick = n.durationMillis("timer-resolution", 10, 1, 1000);
            int busyPoll = (int) n.integer("busy-poll-us", 0, 0, 100_000);
            int idleSpin = (int) n.integer("idle-spin-us", DEFAULT_IDLE_SPIN_MICROS, 0, 1000);
            int ring = (int) n.integer("io-uring-recv-buffers", 512, 16, 16384);
            if (Integer.bitCount(ring) != 1) {
                n.get("io-uring-recv-buffers").fail(ring + " is not a power of two", "16, 32, 64, ... 16384");
            }
            int maxBuffer = (int) n.bytes("io-uring-recv-buffer-max", 64 * 1024, 4 * 1024, 1024 * 1024);
            n.rejectUnknownKeys();
            return new RuntimeConfig(List.copyOf(cores), pin, transport, tick, busyPoll, idleSpin, ring, maxBuffer);
        }

        /** True when {@code key} is missing or a list: a key of another shape has its own error already. */
        static boolean isAbsentOrList(Node parent, String key) {
            Node n = parent.get(key);
            return n == null || n.isSequence();
        }

        private static Integer parseCore(String s) {
            try {
                return s == null ? null : Integer.valueOf(s);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private List<ListenerConfig> listeners(Node top) {
            List<ListenerConfig> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            Set<String> binds = new HashSet<>();
            List<Node> items = top.list("listeners");
            if (items.isEmpty() && isAbsentOrList(top, "listeners")) {
                top.problems().add(top.line(), "listeners", "at least one listener is required",
                        "a list of {name, address, port}");
            }
            for (Node l : items) {
                String name = l.requiredString("name", "a unique listener name");
                String address = l.string("address", "127.0.0.1");
                int port = (int) l.integer("port", 8080, 0, 65535);
                if (name != null && !names.add(name)) {
                    l.get("name").fail("listener name '" + name + "' is used twice", "unique names");
                }
                if (port != 0 && !binds.add(address + ":" + port)) {
                    l.get("port").fail(address + ":" + port + " is bound by another listener", "one listener per address and port");
                }
                l.rejectUnknownKeys();
                Node portKey = l.get("port");
                out.add(new ListenerConfig(name, address, port, (portKey != null ? portKey : l).line(), l.path() + ".port"));
            }
            return out;
        }

        private List<PoolConfig> pools(Node top) {
            List<PoolConfig> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            List<Node> items = top.list("pools");
            if (items.isEmpty() && isAbsentOrList(top, "pools")) {
                top.problems().add(top.line(), "pools", "at least one pool is required", "a list of pools with backends");
            }
            for (Node p : items) {
                String name = p.requiredString("name", "a unique pool name");
                if (name != null && !names.add(name)) {
                    p.get("name").fail("pool name '" + name + "' is used twice", "unique names");
                }
                Algorithm algorithm = p.enumValue("algorithm", Algorithm.ROUND_ROBIN, Algorithm.class);
                HashKey hashKey = hashKey(p, algorithm);
                List<BackendConfig> backends = backends(p, "backends", true);
                HealthCheckConfig health = healthCheck(p);
                PassiveEjectionConfig passive = passive(p.section("passive-ejection"));
                int retries = (int) p.integer("retries", 1, 0, 10);
                long connect = p.durationMillis("connect-timeout", 5000, 1, 600_000);
                long responseHeader = p.durationMillis("response-header-timeout", 60_000, 1, DAY_MILLIS);
                int maxIdle = (int) p.integer("max-idle-per-loop", 64, 0, 100_000);
                p.rejectUnknownKeys();
                out.add(new PoolConfig(name, algorithm, hashKey, backends, health, passive, retries, connect,
                        responseHeader, maxIdle));
            }
            return out;
        }

        private static HashKey hashKey(Node p, Algorithm algorithm) {
            Node n = p.get("hash-key");
            if (n == null) {
                return HashKey.CLIENT_ADDRESS;
            }
            String allowed = "client-address, path, header:NAME";
            if (algorithm != Algorithm.CONSISTENT_HASH) {
                n.fail("only applies to algorithm consistent-hash", allowed + " with algorithm consistent-hash");
            }
            String t = n.text() == null ? "" : n.text();
            if (t.equals("client-address")) {
                return HashKey.CLIENT_ADDRESS;
            }
            if (t.equals("path")) {
                return new HashKey(HashKey.Kind.PATH, null);
            }
            if (t.startsWith("header:") && t.length() > "header:".length()) {
                return new HashKey(HashKey.Kind.HEADER, t.substring("header:".length()).trim());
            }
            n.fail("unknown hash key '" + t + "'", allowed);
            return HashKey.CLIENT_ADDRESS;
        }

        /** A list of {@code HOST:PORT} or {@code {address, weight, max-connections}} under {@code key}. */
        static List<BackendConfig> backends(Node parent, String key, boolean required) {
            List<BackendConfig> out = new ArrayList<>();
            List<Node> items = parent.list(key);
            if (required && items.isEmpty() && isAbsentOrList(parent, key)) {
                parent.problems().add(parent.line(), parent.path() + "." + key, "at least one is required",
                        "a list of HOST:PORT or {address: HOST:PORT}");
            }
            Set<String> seen = new HashSet<>();
            for (Node b : items) {
                Node addressNode = b.isScalar() ? b : b.get("address");
                String address = addressNode == null ? null : addressNode.text();
                int weight = b.isScalar() ? 1 : (int) b.integer("weight", 1, 1, 1000);
                int maxConnections = b.isScalar() ? 10_000 : (int) b.integer("max-connections", 10_000, 1, 1_000_000);
                if (!b.isScalar()) {
                    b.rejectUnknownKeys();
                }
                HostPort hp = address == null ? null : HostPort.parse(address);
                if (hp == null) {
                    Node where = addressNode == null ? b : addressNode;
                    where.problems().add(where.line(), b.isScalar() ? b.path() : b.path() + ".address",
                            address == null ? "is required" : "'" + address + "' is not HOST:PORT",
                            "e.g. 127.0.0.1:9001 or [::1]:9001, port 1 to 65535");
                    continue;
                }
                if (!seen.add(hp.host() + ":" + hp.port())) {
                    addressNode.fail(address + " is listed twice", "each address once");
                }
                out.add(new BackendConfig(hp.host(), hp.port(), weight, maxConnections));
            }
            return out;
        }

        private static HealthCheckConfig healthCheck(Node pool) {
            if (!pool.has("health-check")) {
                return null;
            }
            Node h = pool.section("health-check");
            String path = h.string("path", "/healthz");
            if (!path.startsWith("/")) {
                h.get("path").fail("'" + path + "' does not start with /", "an absolute path such as /healthz");
            }
            long interval = h.durationMillis("interval", 2000, 10, 3_600_000);
            long timeout = h.durationMillis("timeout", 1000, 1, 600_000);
            int rise = (int) h.integer("rise", 2, 1, 100);
            int fall = (int) h.integer("fall", 3, 1, 100);
            h.rejectUnknownKeys();
            return new HealthCheckConfig(path, interval, timeout, rise, fall);
        }

        private static PassiveEjectionConfig passive(Node n) {
            int failures = (int) n.integer("consecutive-failures", 5, 0, 10_000);
            long ejection = n.durationMillis("ejection-time", 30_000, 1, DAY_MILLIS);
            n.rejectUnknownKeys();
            return new PassiveEjectionConfig(failures, ejection);
        }

        private static List<VirtualServiceConfig> virtualServices(Node top, List<ListenerConfig> listeners,
                                                                  List<PoolConfig> pools, PolicyConfig policy) {
            List<VirtualServiceConfig> out = new ArrayList<>();
            Set<String> names = new HashSet<>();
            Set<String> listenerNames = new TreeSet<>();
            listeners.forEach(l -> {
                if (l.name() != null) {
                    listenerNames.add(l.name());
                }
            });
            Set<String> poolNames = new TreeSet<>();
            pools.forEach(p -> {
                if (p.name() != null) {
                    poolNames.add(p.name());
                }
            });
            List<Node> items = top.list("virtual-services");
            if (items.isEmpty() && isAbsentOrList(top, "virtual-services")) {
                top.problems().add(top.line(), "virtual-services", "at least one virtual service is required",
                        "a list of {name, hosts, path-prefix, pool}");
            }
            for (Node v : items) {
                String name = v.requiredString("name", "a unique virtual service name");
                if (name != null && !names.add(name)) {
                    v.get("name").fail("virtual service name '" + name + "' is used twice", "unique names");
                }
                String defaultListener = listeners.size() == 1 ? listeners.get(0).name() : null;
                String listener = v.string("listener", defaultListener);
                if (listenerNames.isEmpty()) {
                    listener = null; // already reported: there are no listeners to choose from
                } else if (listener == null) {
                    v.problems().add(v.line(), v.path() + ".listener", "is required when there are several listeners",
                            "one of " + String.join(", ", listenerNames));
                } else if (!listenerNames.contains(listener)) {
                    v.get("listener").fail("unknown listener '" + listener + "'",
                            "one of " + String.join(", ", listenerNames));
                }
                List<String> hosts = v.strings("hosts");
                if (hosts.isEmpty()) {
                    hosts = List.of("*");
                }
                for (String h : hosts) {
                    if (h.indexOf('*') >= 0 && !(h.equals("*") || (h.startsWith("*.") && h.lastIndexOf('*') == 0))) {
                        v.get("hosts").fail("'" + h + "' is not a host pattern", "exact names, *.suffix, or *");
                    }
                }
                String prefix = v.string("path-prefix", "/");
                if (!prefix.startsWith("/")) {
                    v.get("path-prefix").fail("'" + prefix + "' does not start with /", "a path such as / or /api/");
                }
                String pool = v.requiredString("pool", "the name of a pool");
                if (pool != null && !poolNames.contains(pool)) {
                    v.get("pool").fail("unknown pool '" + pool + "'", "one of " + String.join(", ", poolNames));
                }
                ServicePolicyConfig servicePolicy = v.has("policy") ? PolicySection.service(v.section("policy"), policy) : null;
                v.rejectUnknownKeys();
                out.add(new VirtualServiceConfig(name, listener, List.copyOf(hosts), prefix, pool, servicePolicy));
            }
            return out;
        }

        private static LimitsConfig limits(Node n) {
            int line = (int) n.bytes("max-request-line", 8 * KIB, 64, MIB);
            int header = (int) n.bytes("max-header-size", 16 * KIB, 256, 4 * MIB);
            int count = (int) n.integer("max-header-count", 100, 1, 10_000);
            long headerTimeout = n.durationMillis("header-timeout", 10_000, 1, 3_600_000);
            long idle = n.durationMillis("idle-timeout", 60_000, 1, DAY_MILLIS);
            int requests = (int) n.integer("max-requests-per-connection", 10_000, 1, Integer.MAX_VALUE);
            long body = n.bytes("max-body-size", GIB, 0, 1L << 40);
            int conns = (int) n.integer("max-client-connections", 65_536, 1, 10_000_000);
            n.rejectUnknownKeys();
            return new LimitsConfig(line, header, count, headerTimeout, idle, requests, body, conns);
        }

        private static AdminConfig admin(Node n) {
            String address = n.string("address", "127.0.0.1");
            int port = (int) n.integer("port", 9090, 0, 65535);
            long drain = n.durationMillis("drain-timeout", 30_000, 0, 3_600_000);
            n.rejectUnknownKeys();
            Node portKey = n.get("port");
            return new AdminConfig(address, port, drain, (portKey != null ? portKey : n).line(), n.path() + ".port");
        }
    }
}
