package dev.arbiter.appliance.config;

/** A {@code HOST:PORT} or {@code [IPv6]:PORT} pair as written in the config. */
public record HostPort(String host, int port) {

    /** Parses {@code s}; null when it is not a host and a port from 1 to 65535. */
    public static HostPort parse(String s) {
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                return null;
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) {
                return null;
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        try {
            int p = Integer.parseInt(port);
            return host.isEmpty() || p < 1 || p > 65535 ? null : new HostPort(host, p);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
