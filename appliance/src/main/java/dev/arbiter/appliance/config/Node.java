package dev.arbiter.appliance.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A YAML node with its key path and line, read through typed accessors that record every
 * problem in a shared {@link Problems} list instead of stopping at the first one.
 *
 * <p>Accessors return a usable default after recording a problem, so one pass over a broken file
 * reports all of its errors. A mapping remembers which keys were read; {@link #rejectUnknownKeys()}
 * then names any key the schema does not know, with the list of keys it does.
 */
final class Node {

    private final org.yaml.snakeyaml.nodes.Node yaml;
    private final String path;
    private final Problems problems;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final Set<String> known = new LinkedHashSet<>();

    Node(org.yaml.snakeyaml.nodes.Node yaml, String path, Problems problems) {
        this.yaml = yaml;
        this.path = path;
        this.problems = problems;
        if (yaml instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k) {
                    if (entries.put(k.getValue(), t) != null) {
                        problems.add(line(t.getKeyNode()), child(k.getValue()), "duplicate key", "each key once");
                    }
                }
            }
        }
    }

    String path() {
        return path;
    }

    int line() {
        return line(yaml);
    }

    Problems problems() {
        return problems;
    }

    static int line(org.yaml.snakeyaml.nodes.Node n) {
        return n == null ? 0 : n.getStartMark().getLine() + 1;
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean isMapping() {
        return yaml instanceof MappingNode;
    }

    boolean isSequence() {
        return yaml instanceof SequenceNode;
    }

    boolean isScalar() {
        return yaml instanceof ScalarNode;
    }

    /** The scalar's text, or null when this node is not a scalar. */
    String text() {
        return yaml instanceof ScalarNode s ? s.getValue() : null;
    }

    boolean has(String key) {
        known.add(key);
        return entries.containsKey(key);
    }

    /** The child under {@code key}, or null when absent. */
    Node get(String key) {
        known.add(key);
        NodeTuple t = entries.get(key);
        return t == null ? null : new Node(t.getValueNode(), child(key), problems);
    }

    /** The child under {@code key} as a mapping; an absent key gives an empty mapping. */
    Node section(String key) {
        Node n = get(key);
        if (n == null) {
            return new Node(null, child(key), problems);
        }
        if (!n.isMapping()) {
            n.fail("must be a mapping", "key: value pairs");
            return new Node(null, child(key), problems);
        }
        return n;
    }

    List<Node> elements() {
        List<Node> out = new ArrayList<>();
        if (yaml instanceof SequenceNode s) {
            List<org.yaml.snakeyaml.nodes.Node> items = s.getValue();
            for (int i = 0; i < items.size(); i++) {
                out.add(new Node(items.get(i), path + "[" + i + "]", problems));
            }
        }
        return out;
    }

    /** The children of {@code key} as a list; a missing key gives an empty list. */
    List<Node> list(String key) {
        Node n = get(key);
        if (n == null) {
            return List.of();
        }
        if (!n.isSequence()) {
            n.fail("must be a list", "a YAML sequence: [a, b] or '- a' lines");
            return List.of();
        }
        return n.elements();
    }

    void fail(String problem, String allowed) {
        problems.add(line(), path, problem, allowed);
    }

    String string(String key, String dflt) {
        Node n = get(key);
        if (n == null) {
            return dflt;
        }
        if (!n.isScalar() || n.text().isEmpty()) {
            n.fail("must be a non-empty string", "text");
            return dflt;
        }
        return n.text();
    }

    String requiredString(String key, String allowed) {
        Node n = get(key);
        if (n == null) {
            problems.add(line(), child(key), "is required", allowed);
            return null;
        }
        if (!n.isScalar() || n.text().isEmpty()) {
            n.fail("must be a non-empty string", allowed);
            return null;
        }
        return n.text();
    }

    List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        Node n = get(key);
        if (n == null) {
            return out;
        }
        if (n.isScalar()) {
            out.add(n.text());
            return out;
        }
        for (Node e : n.isSequence() ? n.elements() : List.<Node>of()) {
            if (e.isScalar() && !e.text().isEmpty()) {
                out.add(e.text());
            } else {
                e.fail("must be a non-empty string", "text");
            }
        }
        if (!n.isSequence()) {
            n.fail("must be a string or a list of strings", "text or [a, b]");
        }
        return out;
    }

    long integer(String key, long dflt, long min, long max) {
        return parsed(key, dflt, min, max, "an integer", Node::parseInteger, v -> Long.toString(v));
    }

    boolean bool(String key, boolean dflt) {
        Node n = get(key);
        if (n == null) {
            return dflt;
        }
        String t = n.isScalar() ? n.text() : "";
        if (t.equals("true") || t.equals("false")) {
            return Boolean.parseBoolean(t);
        }
        n.fail("must be true or false, got '" + t + "'", "true, false");
        return dflt;
    }

    /** A duration such as {@code 250ms}, {@code 10s}, {@code 2m}, {@code 1h}; returns milliseconds. */
    long durationMillis(String key, long dfltMillis, long minMillis, long maxMillis) {
        return parsed(key, dfltMillis, minMillis, maxMillis, "a duration", Units::parseDurationMillis,
                Units::formatDuration);
    }

    /** A size such as {@code 8KiB}, {@code 16k}, {@code 1MiB} or a plain byte count. */
    long bytes(String key, long dflt, long min, long max) {
        return parsed(key, dflt, min, max, "a size", Units::parseBytes, Units::formatBytes);
    }

    <E extends Enum<E>> E enumValue(String key, E dflt, Class<E> type) {
        Node n = get(key);
        if (n == null) {
            return dflt;
        }
        String allowed = Units.enumNames(type);
        String t = n.isScalar() ? n.text() : "";
        for (E e : type.getEnumConstants()) {
            if (Units.enumName(e).equals(t)) {
                return e;
            }
        }
        n.fail("unknown value '" + t + "'", "one of " + allowed);
        return dflt;
    }

    private long parsed(String key, long dflt, long min, long max, String kind,
                        Function<String, Long> parser, Function<Long, String> format) {
        Node n = get(key);
        if (n == null) {
            return dflt;
        }
        String range = kind + " from " + format.apply(min) + " to " + format.apply(max);
        Long v = n.isScalar() ? parser.apply(n.text()) : null;
        if (v == null) {
            n.fail("'" + (n.isScalar() ? n.text() : "(" + n.yaml.getNodeId() + ")") + "' is not " + kind, range);
            return dflt;
        }
        if (v < min || v > max) {
            n.fail(format.apply(v) + " is out of range", range);
            return dflt;
        }
        return v;
    }

    private static Long parseInteger(String s) {
        try {
            return Long.parseLong(s.replace("_", ""));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Records a problem for each key present in this mapping that no accessor asked for. */
    void rejectUnknownKeys() {
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            if (!known.contains(e.getKey())) {
                problems.add(line(e.getValue().getKeyNode()), child(e.getKey()), "unknown key",
                        known.isEmpty() ? "no keys here" : "one of " + String.join(", ", known));
            }
        }
    }
}
