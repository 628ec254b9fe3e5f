package dev.arbiter.tools.policy.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Defensive copies of the string maps that summaries and decisions carry. */
final class OrderedMaps {

    private OrderedMaps() {
    }

    /**
     * An unmodifiable copy in the same order. Empty maps, the usual case on the per-call path,
     * all become the one shared empty map instead of a new map and wrapper each.
     */
    static Map<String, String> copyOf(Map<String, String> map) {
        return map.isEmpty() ? Collections.emptyMap() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
