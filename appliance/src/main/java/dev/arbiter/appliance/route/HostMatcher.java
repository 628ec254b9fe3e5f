package dev.arbiter.appliance.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds the virtual service of one listener for a host and a path: the most specific host
 * pattern wins (exact, then the longest {@code *.suffix}, then {@code *}), and within it the
 * longest path prefix. Lookups are a hash probe plus a short scan, whatever the service count.
 */
final class HostMatcher {

    private final Map<String, VirtualService[]> exact = new HashMap<>();
    private final List<String> suffixes = new ArrayList<>();
    private final List<VirtualService[]> suffixServices = new ArrayList<>();
    private VirtualService[] any = new VirtualService[0];

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
        byExact.forEach((k, v) -> exact.put(k, byPrefixLength(v)));
        List<String> keys = new ArrayList<>(bySuffix.keySet());
        keys.sort(Comparator.comparingInt(String::length).reversed());
        for (String k : keys) {
            suffixes.add(k);
            suffixServices.add(byPrefixLength(bySuffix.get(k)));
        }
        any = byPrefixLength(anyList);
    }

    private static VirtualService[] byPrefixLength(List<VirtualService> list) {
        List<VirtualService> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparingInt((VirtualService v) -> v.config().pathPrefix().length()).reversed());
        return sorted.toArray(new VirtualService[0]);
    }

    /** @param host lower-case host without port */
    VirtualService match(String host, String path) {
        VirtualService[] candidates = exact.get(host);
        VirtualService vs = candidates == null ? null : byPath(candidates, path);
        if (vs != null) {
            return vs;
        }
        for (int i = 0; i < suffixes.size(); i++) {
            if (host.endsWith(suffixes.get(i))) {
                vs = byPath(suffixServices.get(i), path);
                if (vs != null) {
                    return vs;
                }
            }
        }
        return byPath(any, path);
    }

    private static VirtualService byPath(VirtualService[] candidates, String path) {
        for (VirtualService vs : candidates) {
            if (path.startsWith(vs.config().pathPrefix())) {
                return vs;
            }
        }
        return null;
    }
}
