package dev.arbiter.appliance.route;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Finds the virtual service of one listener for a Host header and a path: the most specific host
 * pattern wins (exact, then the longest {@code *.suffix}, then {@code *}), and within it the
 * longest path prefix.
 *
 * <p>Lookups cost a few hash probes whatever the number of services, and allocate nothing: the
 * host is hashed straight from the header (lower-cased, port dropped) once for the exact table
 * and once per dot for the suffix table; a path probes one table per distinct prefix length.
 * Every probe hit is confirmed by comparing the characters, so hash collisions cannot misroute.
 */
final class HostMatcher {

    private final Long2ObjectHashMap<HostEntry> exact = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<HostEntry> suffixes = new Long2ObjectHashMap<>();
    private final Prefixes any;

    HostMatcher(List<VirtualService> services) {
        Map<String, List<VirtualService>> byExact = new HashMap<>();
        Map<String, List<VirtualService>> bySuffix = new HashMap<>();
        List<VirtualService> anyList = new ArrayList<>();
        for (VirtualService vs : services) {
            for (String h : vs.config().hosts()) {
                String host = h.toLowerCase(Locale.ROOT);
                if (host.equals("*")) {
                    anyList.add(vs);
                } else if (host.startsWith("*.")) {
                    bySuffix.computeIfAbsent(host.substring(1), k -> new ArrayList<>()).add(vs);
                } else {
                    byExact.computeIfAbsent(host, k -> new ArrayList<>()).add(vs);
                }
            }
        }
        byExact.forEach((host, list) -> put(exact, host, new Prefixes(list)));
        bySuffix.forEach((suffix, list) -> put(suffixes, suffix, new Prefixes(list)));
        any = new Prefixes(anyList);
    }

    private static void put(Long2ObjectHashMap<HostEntry> table, String name, Prefixes prefixes) {
        long h = hashLower(name, 0, name.length());
        table.put(h, new HostEntry(name, prefixes, table.get(h)));
    }

    /** @param hostHeader the Host header as received (any case, may carry a port), or null */
    VirtualService match(String hostHeader, String path) {
        String host = hostHeader == null ? "" : hostHeader;
        int end = hostEnd(host);
        HostEntry e = find(exact, host, 0, end);
        VirtualService vs = e == null ? null : e.prefixes.match(path);
        if (vs != null) {
            return vs;
        }
        // Longest suffix first: ".b.example.com" before ".example.com" before ".com".
        for (int i = 0; i < end; i++) {
            if (host.charAt(i) == '.') {
                e = find(suffixes, host, i, end);
                vs = e == null ? null : e.prefixes.match(path);
                if (vs != null) {
                    return vs;
                }
            }
        }
        return any.match(path);
    }

    private static HostEntry find(Long2ObjectHashMap<HostEntry> table, String host, int from, int to) {
        if (table.isEmpty()) {
            return null;
        }
        for (HostEntry e = table.get(hashLower(host, from, to)); e != null; e = e.next) {
            if (e.name.length() == to - from && e.name.regionMatches(true, 0, host, from, to - from)) {
                return e;
            }
        }
        return null;
    }

    /** Where the host ends: before a {@code :port}, or after the {@code ]} of an IPv6 literal. */
    static int hostEnd(String host) {
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            return close < 0 ? host.length() : close + 1;
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host.length() : colon;
    }

    static long hashLower(CharSequence s, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            h ^= c >= 'A' && c <= 'Z' ? c + 32 : c;
            h *= 0x100000001b3L;
        }
        return h;
    }

    static long hash(CharSequence s, int from, int to) {
        return Hashing.chars(s, from, to);
    }

    /** One host name or suffix; entries whose hashes collide are chained. */
    private record HostEntry(String name, Prefixes prefixes, HostEntry next) {
    }

    /** The services of one host pattern, by path prefix: one probe per distinct prefix length. */
    private static final class Prefixes {
        private final int[] lengthsLongestFirst;
        private final Long2ObjectHashMap<PrefixEntry> byHash = new Long2ObjectHashMap<>();

        Prefixes(List<VirtualService> services) {
            TreeSet<Integer> lengths = new TreeSet<>();
            for (VirtualService vs : services) {
                String p = vs.config().pathPrefix();
                long h = hash(p, 0, p.length());
                if (findExact(p, h) == null) {
                    byHash.put(h, new PrefixEntry(p, vs, byHash.get(h)));
                    lengths.add(p.length());
                }
            }
            lengthsLongestFirst = lengths.descendingSet().stream().mapToInt(Integer::intValue).toArray();
        }

        private VirtualService findExact(String p, long h) {
            for (PrefixEntry e = byHash.get(h); e != null; e = e.next) {
                if (e.prefix.equals(p)) {
                    return e.service;
                }
            }
            return null;
        }

        VirtualService match(String path) {
            int[] lengths = lengthsLongestFirst;
            for (int k = 0; k < lengths.length; k++) {
                int len = lengths[k];
                if (len > path.length()) {
                    continue;
                }
                for (PrefixEntry e = byHash.get(hash(path, 0, len)); e != null; e = e.next) {
                    if (e.prefix.length() == len && path.regionMatches(0, e.prefix, 0, len)) {
                        return e.service;
                    }
                }
            }
            return null;
        }
    }

    /** One path prefix of one host pattern (the first service configured with it wins). */
    private record PrefixEntry(String prefix, VirtualService service, PrefixEntry next) {
    }
}
