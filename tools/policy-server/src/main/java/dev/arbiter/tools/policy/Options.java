package dev.arbiter.tools.policy;

/**
 * How a policy server behaves apart from its rules. Latency and fail mode can also be changed
 * on a running server ({@link PolicyServer#latencyMs(long)}, {@link PolicyServer#failMode(FailMode)}).
 *
 * @param compatPath      path of the compatibility-mode endpoint, default {@code /auth}
 * @param latencyMs       delay before every decision answer (both modes), for deadline tests
 * @param failMode        injected failure of decision answers
 * @param failHealth      also apply {@code failMode} to {@code GET /v1/health}
 * @param ioThreads       event loop threads
 * @param maxRequestBytes largest request body accepted (413 above)
 * @param logDecisions    print one line per decision to stdout
 */
public record Options(
    String compatPath,
    long latencyMs,
    FailMode failMode,
    boolean failHealth,
    int ioThreads,
    int maxRequestBytes,
    boolean logDecisions) {

    public static final int DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    public Options {
        if (!compatPath.startsWith("/")) {
            throw new IllegalArgumentException("compatPath=\"" + compatPath + "\" must start with /");
        }
        if (latencyMs < 0) {
            throw new IllegalArgumentException("latencyMs=" + latencyMs + " < 0");
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads=" + ioThreads + " < 1");
        }
        if (maxRequestBytes < 1024) {
            throw new IllegalArgumentException("maxRequestBytes=" + maxRequestBytes + " < 1024");
        }
    }

    public static Options defaults() {
        return new Options("/auth", 0, FailMode.NONE, false, 1, DEFAULT_MAX_REQUEST_BYTES, false);
    }

    public Options withCompatPath(String path) {
        return new Options(path, latencyMs, failMode, failHealth, ioThreads, maxRequestBytes, logDecisions);
    }

    public Options withLatencyMs(long ms) {
        return new Options(compatPath, ms, failMode, failHealth, ioThreads, maxRequestBytes, logDecisions);
    }

    public Options withFailMode(FailMode mode) {
        return new Options(compatPath, latencyMs, mode, failHealth, ioThreads, maxRequestBytes, logDecisions);
    }

    public Options withFailHealth(boolean on) {
        return new Options(compatPath, latencyMs, failMode, on, ioThreads, maxRequestBytes, logDecisions);
    }

    public Options withIoThreads(int threads) {
        return new Options(compatPath, latencyMs, failMode, failHealth, threads, maxRequestBytes, logDecisions);
    }

    public Options withMaxRequestBytes(int bytes) {
        return new Options(compatPath, latencyMs, failMode, failHealth, ioThreads, bytes, logDecisions);
    }

    public Options withLogDecisions(boolean on) {
        return new Options(compatPath, latencyMs, failMode, failHealth, ioThreads, maxRequestBytes, on);
    }
}
