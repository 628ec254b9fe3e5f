package dev.arbiter.tools.policy.rules;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Typed reads from a composed YAML node tree that record a {@link RulesException.Problem}
 * (with line and key) instead of throwing, so one pass reports every mistake in the file.
 * Each read returns null (or an empty collection) after recording its problem.
 */
final class YamlReader {

    private final String source;
    private final List<RulesException.Problem> problems = new ArrayList<>();

    YamlReader(String source) {
        this.source = source;
    }

    List<RulesException.Problem> problems() {
        return problems;
    }

    void problem(Node node, String key, String message) {
        problems.add(new RulesException.Problem(source, line(node), key, message));
    }

    void problem(int line, String key, String message) {
        problems.add(new RulesException.Problem(source, line, key, message));
    }

    static int line(Node node) {
        return node == null ? 0 : node.getStartMark().getLine() + 1;
    }

    /** A mapping whose keys must come from {@code allowed}; unknown and repeated keys are problems. */
    Map<String, Node> mapping(Node node, String key, Set<String> allowed) {
        Map<String, Node> entries = new LinkedHashMap<>();
        if (!(node instanceof MappingNode mapping)) {
            problem(node, key, "must be a mapping with keys from " + new TreeSet<>(allowed));
            return entries;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            String name = tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : null;
            String at = join(key, String.valueOf(name));
            if (name == null || !allowed.contains(name)) {
                problem(tuple.getKeyNode(), at, "unknown key; allowed here: " + new TreeSet<>(allowed));
            } else if (entries.containsKey(name)) {
                problem(tuple.getKeyNode(), at, "repeated key");
            } else {
                entries.put(name, tuple.getValueNode());
            }
        }
        return entries;
    }

    /** A mapping of any string keys to string values (header maps). */
    Map<String, String> stringMap(Node node, String key) {
        Map<String, String> entries = new LinkedHashMap<>();
        if (!(node instanceof MappingNode mapping)) {
            problem(node, key, "must be a mapping of name: value");
            return entries;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            String name = string(tuple.getKeyNode(), key);
            String value = string(tuple.getValueNode(), join(key, String.valueOf(name)));
            if (name != null && value != null) {
                entries.put(name, value);
            }
        }
        return entries;
    }

    List<Node> sequence(Node node, String key) {
        if (node instanceof SequenceNode sequence) {
            return sequence.getValue();
        }
        problem(node, key, "must be a list");
        return List.of();
    }

    /** A string scalar; YAML null ({@code key:} with nothing after it) is refused. */
    String string(Node node, String key) {
        if (!(node instanceof ScalarNode scalar)) {
            problem(node, key, "must be a single value, not a list or mapping");
            return null;
        }
        if (scalar.getTag().equals(Tag.NULL)) {
            problem(node, key, "is empty; write \"\" for an empty string");
            return null;
        }
        return scalar.getValue();
    }

    /** One string or a non-empty list of strings. */
    List<String> strings(Node node, String key) {
        List<String> values = new ArrayList<>();
        if (node instanceof SequenceNode sequence) {
            List<Node> items = sequence.getValue();
            for (int i = 0; i < items.size(); i++) {
                String value = string(items.get(i), key + "[" + i + "]");
                if (value != null) {
                    values.add(value);
                }
            }
            if (items.isEmpty()) {
                problem(node, key, "must not be an empty list");
            }
        } else {
            String value = string(node, key);
            if (value != null) {
                values.add(value);
            }
        }
        return values;
    }

    /** A whole number in {@code min..max}. */
    Long integer(Node node, String key, long min, long max) {
        String text = string(node, key);
        if (text == null) {
            return null;
        }
        try {
            long value = Long.parseLong(text.replace("_", ""));
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with the allowed range
        }
        problem(node, key, "\"" + text + "\" must be a whole number in " + min + ".." + max);
        return null;
    }

    Boolean bool(Node node, String key) {
        String text = string(node, key);
        if ("true".equals(text) || "false".equals(text)) {
            return Boolean.valueOf(text);
        }
        if (text != null) {
            problem(node, key, "\"" + text + "\" must be true or false");
        }
        return null;
    }

    static String join(String parent, String child) {
        return parent.isEmpty() ? child : parent + "." + child;
    }
}
