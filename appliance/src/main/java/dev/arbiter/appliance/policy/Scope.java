package dev.arbiter.appliance.policy;

import java.util.List;

/**
 * The summary fields a decision depends on (protocol section 3), as a bit set: bits 0-5 are the
 * fixed fields, bit 8+i is the i-th header the virtual service lists. The service is always
 * part of the cache key and needs no bit.
 */
public record Scope(long bits) {

    public static final long METHOD = 1;
    public static final long SCHEME = 1 << 1;
    public static final long HOST = 1 << 2;
    public static final long PATH = 1 << 3;
    public static final long QUERY = 1 << 4;
    public static final long CLIENT_ADDRESS = 1 << 5;
    public static final int HEADER_SHIFT = 8;

    /** The default when a cacheable decision names no scope. */
    public static final Scope DEFAULT = new Scope(METHOD | HOST | PATH | QUERY);

    /**
     * Parses scope entries; null when one is not a known entry or names a header the service
     * does not list (the decision is then malformed).
     */
    public static Scope parse(List<String> entries, List<String> serviceHeaders) {
        long bits = 0;
        for (String e : entries) {
            switch (e) {
                case "method" -> bits |= METHOD;
                case "scheme" -> bits |= SCHEME;
                case "host" -> bits |= HOST;
                case "path" -> bits |= PATH;
                case "query" -> bits |= QUERY;
                case "client_address" -> bits |= CLIENT_ADDRESS;
                default -> {
                    if (!e.startsWith("header:")) {
                        return null;
                    }
                    int idx = serviceHeaders.indexOf(e.substring("header:".length()).trim().toLowerCase(java.util.Locale.ROOT));
                    if (idx < 0) {
                        return null;
                    }
                    bits |= 1L << (HEADER_SHIFT + idx);
                }
            }
        }
        return new Scope(bits);
    }

    public boolean has(long bit) {
        return (bits & bit) != 0;
    }

    public boolean hasHeader(int index) {
        return (bits & (1L << (HEADER_SHIFT + index))) != 0;
    }
}
