package dev.arbiter.appliance.config;

/**
 * One problem found in a config file, printed as {@code FILE:LINE: key.path: what is wrong (what is allowed)}.
 *
 * @param file    the file as named on the command line
 * @param line    1-based line, or 0 when the problem is with the file as a whole
 * @param keyPath dotted path of the key, with list indexes ({@code pools[0].backends[1].address})
 * @param problem what is wrong
 * @param allowed what would be accepted
 */
public record ConfigError(String file, int line, String keyPath, String problem, String allowed) {

    @Override
    public String toString() {
        return file + ":" + line + ": " + keyPath + ": " + problem + " (" + allowed + ")";
    }

    /**
     * A listener's socket that the host refused (a port another process holds, an address not on
     * this host, a port below 1024 without the capability), as an error at the key that set it.
     */
    public static ConfigError cannotBind(String file, int line, String keyPath, String address, int port, Throwable cause) {
        String reason = cause == null ? "unknown error" : String.valueOf(cause.getMessage());
        // Netty's native transports say "bind(..) failed with error(-98): Address already in use"
        int errno = reason.indexOf("): ");
        if (reason.startsWith("bind(") && errno > 0) {
            reason = reason.substring(errno + 3);
        }
        String hostPort = (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
        return new ConfigError(file, line, keyPath, "cannot bind " + hostPort + ": " + reason,
                "an address of this host and a port no other socket holds");
    }
}
