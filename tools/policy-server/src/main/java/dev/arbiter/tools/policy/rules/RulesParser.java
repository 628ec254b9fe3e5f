package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.CacheHint;
import dev.arbiter.tools.policy.protocol.HeaderNames;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Turns rules YAML into a {@link RuleSet}, validating everything once, up front: a rule that
 * would produce a decision the appliance rejects as malformed (protocol, section 2.5) is a
 * load error here, not a surprise at run time. The schema is in the module README.
 */
final class RulesParser {

    private static final Set<String> TOP_KEYS = Set.of("version", "rules", "no-match");
    private static final Set<String> ACTION_KEYS = Set.of("forward", "rewrite", "respond", "default", "ttl-ms", "scope");
    private static final Set<String> RULE_KEYS = union(ACTION_KEYS, Set.of("name", "match"));
    private static final Set<String> MATCH_KEYS =
        Set.of("host", "path-prefix", "path-regex", "method", "header", "client-cidr", "service", "not");
    private static final Set<String> HEADER_MATCH_KEYS = Set.of("name", "value", "regex");
    private static final Set<String> FORWARD_KEYS = Set.of("pool", "backend", "set-headers", "remove-headers");
    private static final Set<String> REWRITE_KEYS = Set.of("path", "query", "drop-query-params");
    private static final Set<String> RESPOND_KEYS = Set.of("status", "headers", "body");
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final Pattern HOST_PATTERN = Pattern.compile("(\\*\\.)?[A-Za-z0-9_.-]+|\\[[0-9A-Fa-f:.]+\\]");
    private static final Pattern BACKEND = Pattern.compile("([A-Za-z0-9_.-]+|\\[[0-9A-Fa-f:.]+\\]):([0-9]{1,5})");

    private final String source;
    private final YamlReader yaml;

    RulesParser(String source) {
        this.source = source;
        this.yaml = new YamlReader(source);
    }

    RuleSet parse(String text) throws RulesException {
        Node root = compose(text);
        List<Rule> rules = new ArrayList<>();
        Rule noMatch = RuleSet.noMatchRule(new DefaultAction(), CacheHint.NONE);
        if (root != null) {
            Map<String, Node> top = yaml.mapping(root, "", TOP_KEYS);
            if (top.containsKey("version")) {
                yaml.integer(top.get("version"), "version", 1, 1);
            }
            if (top.containsKey("rules")) {
                List<Node> items = yaml.sequence(top.get("rules"), "rules");
                for (int i = 0; i < items.size(); i++) {
                    rules.add(rule(items.get(i), "rules[" + i + "]", i));
                }
            } else if (!top.isEmpty() || yaml.problems().isEmpty()) {
                yaml.problem(root, "rules", "missing; expected a list of rules (it may be empty: rules: [])");
            }
            if (top.containsKey("no-match")) {
                noMatch = noMatchRule(top.get("no-match"));
            }
        }
        if (!yaml.problems().isEmpty()) {
            throw new RulesException(yaml.problems());
        }
        return new RuleSet(source, rules, noMatch);
    }

    private Node compose(String text) throws RulesException {
        try {
            Node root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
            if (root == null) {
                yaml.problem(0, "", "empty file; expected a mapping with a \"rules\" list");
            }
            return root;
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            yaml.problem(line, "", "not valid YAML: " + e.getProblem());
        } catch (YAMLException e) {
            yaml.problem(0, "", "not valid YAML: " + e.getMessage());
        }
        throw new RulesException(yaml.problems());
    }

    private Rule rule(Node node, String key, int index) {
        Map<String, Node> fields = yaml.mapping(node, key, RULE_KEYS);
        String name = fields.containsKey("name") ? yaml.string(fields.get("name"), key + ".name") : null;
        List<Condition> conditions = fields.containsKey("match")
            ? conditions(fields.get("match"), key + ".match")
            : List.of();
        Action action = action(node, fields, key);
        CacheHint cache = cacheHint(fields, key);
        return new Rule(name == null ? "rule " + (index + 1) : name, YamlReader.line(node), conditions, action, cache);
    }

    private Rule noMatchRule(Node node) {
        Map<String, Node> fields = yaml.mapping(node, "no-match", ACTION_KEYS);
        return RuleSet.noMatchRule(action(node, fields, "no-match"), cacheHint(fields, "no-match"));
    }

    // ---- match ----

    private List<Condition> conditions(Node node, String key) {
        Map<String, Node> fields = yaml.mapping(node, key, MATCH_KEYS);
        List<Condition> conditions = new ArrayList<>();
        fields.forEach((name, value) -> {
            Condition condition = condition(name, value, YamlReader.join(key, name));
            if (condition != null) {
                conditions.add(condition);
            }
        });
        return conditions;
    }

    private Condition condition(String name, Node value, String key) {
        switch (name) {
            case "host":
                return new HostCondition(hostPatterns(value, key));
            case "path-prefix":
                return new PathPrefixCondition(pathPrefixes(value, key));
            case "path-regex":
                Pattern regex = regex(value, key);
                return regex == null ? null : new PathRegexCondition(regex);
            case "method":
                return new MethodCondition(methods(value, key));
            case "service":
                return new ServiceCondition(yaml.strings(value, key));
            case "client-cidr":
                return new ClientCidrCondition(cidrs(value, key));
            case "header":
                return headerConditions(value, key);
            case "not":
                return new NotCondition(conditions(value, key));
            default:
                throw new IllegalStateException("key checked against MATCH_KEYS: " + name);
        }
    }

    private List<String> hostPatterns(Node node, String key) {
        List<String> hosts = yaml.strings(node, key);
        for (String host : hosts) {
            if (!HOST_PATTERN.matcher(host).matches()) {
                yaml.problem(node, key, "\"" + host + "\" must be a host name without port, or \"*.suffix\"");
            }
        }
        return hosts;
    }

    private List<String> pathPrefixes(Node node, String key) {
        List<String> prefixes = yaml.strings(node, key);
        for (String prefix : prefixes) {
            if (!prefix.startsWith("/") || prefix.indexOf('?') >= 0) {
                yaml.problem(node, key, "\"" + prefix + "\" must start with \"/\" and contain no \"?\" (it matches the path without query)");
            }
        }
        return prefixes;
    }

    private List<String> methods(Node node, String key) {
        List<String> methods = yaml.strings(node, key);
        for (String method : methods) {
            if (!HeaderNames.isToken(method)) {
                yaml.problem(node, key, "\"" + method + "\" is not an HTTP method");
            }
        }
        return methods;
    }

    private Pattern regex(Node node, String key) {
        String text = yaml.string(node, key);
        if (text == null) {
            return null;
        }
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            yaml.problem(node, key, "invalid regex \"" + text + "\": " + e.getDescription() + " near index " + e.getIndex());
            return null;
        }
    }

    private List<Cidr> cidrs(Node node, String key) {
        List<Cidr> networks = new ArrayList<>();
        for (String text : yaml.strings(node, key)) {
            try {
                networks.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                yaml.problem(node, key, e.getMessage() + "; expected e.g. 10.0.0.0/8 or 2001:db8::/32");
            }
        }
        return networks;
    }

    /** {@code header:} is one {name, value|regex} mapping or a list of them, all of which must hold. */
    private Condition headerConditions(Node node, String key) {
        List<Node> items = node instanceof org.yaml.snakeyaml.nodes.SequenceNode ? yaml.sequence(node, key) : List.of(node);
        List<Condition> conditions = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String itemKey = items.size() == 1 && items.get(0) == node ? key : key + "[" + i + "]";
            Condition condition = headerCondition(items.get(i), itemKey);
            if (condition != null) {
                conditions.add(condition);
            }
        }
        return conditions.size() == 1 ? conditions.get(0) : request -> Rule.allHold(conditions, request);
    }

    private Condition headerCondition(Node node, String key) {
        Map<String, Node> fields = yaml.mapping(node, key, HEADER_MATCH_KEYS);
        if (!fields.containsKey("name")) {
            yaml.problem(node, key, "needs \"name\", and optionally \"value\" (exact) or \"regex\"");
            return null;
        }
        if (fields.containsKey("value") && fields.containsKey("regex")) {
            yaml.problem(node, key, "give \"value\" (exact) or \"regex\", not both");
            return null;
        }
        String name = yaml.string(fields.get("name"), key + ".name");
        String value = fields.containsKey("value") ? yaml.string(fields.get("value"), key + ".value") : null;
        Pattern regex = fields.containsKey("regex") ? regex(fields.get("regex"), key + ".regex") : null;
        if (name == null || !HeaderNames.isToken(name)) {
            yaml.problem(node, key + ".name", "must be an HTTP header name");
            return null;
        }
        return new HeaderCondition(name.toLowerCase(Locale.ROOT), value, regex);
    }

    // ---- actions ----

    private Action action(Node node, Map<String, Node> fields, String key) {
        boolean forward = fields.containsKey("forward");
        boolean rewrite = fields.containsKey("rewrite");
        boolean respond = fields.containsKey("respond");
        boolean useDefault = fields.containsKey("default");
        int kinds = (forward || rewrite ? 1 : 0) + (respond ? 1 : 0) + (useDefault ? 1 : 0);
        if (kinds != 1) {
            yaml.problem(node, key, "needs exactly one action: \"forward\" and/or \"rewrite\", or \"respond\", or \"default: true\"");
            return new DefaultAction();
        }
        if (respond) {
            return respondAction(fields.get("respond"), key + ".respond");
        }
        if (useDefault) {
            Boolean on = yaml.bool(fields.get("default"), key + ".default");
            if (Boolean.FALSE.equals(on)) {
                yaml.problem(fields.get("default"), key + ".default", "only \"default: true\" is meaningful");
            }
            return new DefaultAction();
        }
        return forwardAction(fields.get("forward"), fields.get("rewrite"), key);
    }

    private Action forwardAction(Node forwardNode, Node rewriteNode, String key) {
        Map<String, Node> fields = forwardNode == null ? Map.of() : yaml.mapping(forwardNode, key + ".forward", FORWARD_KEYS);
        String at = key + ".forward";
        String pool = fields.containsKey("pool") ? pool(fields.get("pool"), at + ".pool") : null;
        String backend = fields.containsKey("backend") ? backend(fields.get("backend"), at + ".backend") : null;
        Map<String, String> setHeaders = fields.containsKey("set-headers")
            ? headerMap(fields.get("set-headers"), at + ".set-headers")
            : Map.of();
        List<String> removeHeaders = fields.containsKey("remove-headers")
            ? headerNames(fields.get("remove-headers"), at + ".remove-headers")
            : List.of();
        Rewrite rewrite = rewriteNode == null ? null : rewrite(rewriteNode, key + ".rewrite");
        return new ForwardAction(pool, backend, setHeaders, removeHeaders, rewrite);
    }

    private String pool(Node node, String key) {
        String pool = yaml.string(node, key);
        if (pool != null && (pool.isBlank() || pool.chars().anyMatch(Character::isWhitespace))) {
            yaml.problem(node, key, "must be a pool name without spaces");
        }
        return pool;
    }

    private String backend(Node node, String key) {
        String backend = yaml.string(node, key);
        if (backend == null) {
            return null;
        }
        var m = BACKEND.matcher(backend);
        if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
            yaml.problem(node, key, "\"" + backend + "\" must be host:port (IPv6 as [addr]:port), port 1..65535");
        }
        return backend;
    }

    private Rewrite rewrite(Node node, String key) {
        Map<String, Node> fields = yaml.mapping(node, key, REWRITE_KEYS);
        String path = fields.containsKey("path") ? yaml.string(fields.get("path"), key + ".path") : null;
        if (path != null && (!path.startsWith("/") || containsAny(path, " ?#\r\n\0"))) {
            yaml.problem(fields.get("path"), key + ".path", "\"" + path + "\" must start with \"/\" and contain no space, \"?\" or \"#\"");
        }
        String query = fields.containsKey("query") ? yaml.string(fields.get("query"), key + ".query") : null;
        if (query != null && containsAny(query, " #\r\n\0")) {
            yaml.problem(fields.get("query"), key + ".query", "must contain no space or \"#\"");
        }
        List<QueryParamPattern> drop = fields.containsKey("drop-query-params")
            ? dropPatterns(fields.get("drop-query-params"), key + ".drop-query-params")
            : List.of();
        if (query != null && fields.containsKey("drop-query-params")) {
            yaml.problem(node, key, "give \"query\" (replace it) or \"drop-query-params\" (edit it), not both");
        }
        if (fields.isEmpty()) {
            yaml.problem(node, key, "needs \"path\", \"query\" or \"drop-query-params\"");
        }
        return new Rewrite(path, query, drop);
    }

    private List<QueryParamPattern> dropPatterns(Node node, String key) {
        List<QueryParamPattern> patterns = new ArrayList<>();
        for (String text : yaml.strings(node, key)) {
            try {
                patterns.add(new QueryParamPattern(text));
            } catch (IllegalArgumentException e) {
                yaml.problem(node, key, e.getMessage());
            }
        }
        return patterns;
    }

    private Action respondAction(Node node, String key) {
        Map<String, Node> fields = yaml.mapping(node, key, RESPOND_KEYS);
        Long status = null;
        if (fields.containsKey("status")) {
            status = yaml.integer(fields.get("status"), key + ".status", 200, 599);
        } else {
            yaml.problem(node, key, "needs \"status\" (200..599)");
        }
        Map<String, String> headers = fields.containsKey("headers") ? headerMap(fields.get("headers"), key + ".headers") : Map.of();
        String body = fields.containsKey("body") ? yaml.string(fields.get("body"), key + ".body") : null;
        if (body != null && body.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            yaml.problem(fields.get("body"), key + ".body", "is " + body.getBytes(StandardCharsets.UTF_8).length
                + " bytes; at most " + MAX_BODY_BYTES + " (64 KiB) as UTF-8");
        }
        if (body != null && status != null && (status == 204 || status == 304)) {
            yaml.problem(fields.get("body"), key + ".body", "status " + status + " has no body");
        }
        return new RespondAction(status == null ? 500 : status.intValue(), headers, body);
    }

    private Map<String, String> headerMap(Node node, String key) {
        Map<String, String> headers = new LinkedHashMap<>();
        yaml.stringMap(node, key).forEach((name, value) -> {
            String problem = HeaderNames.problemWithName(name);
            if (problem != null) {
                yaml.problem(node, key, problem);
            } else if (!HeaderNames.isValidValue(value)) {
                yaml.problem(node, key + "." + name, "value must not contain CR, LF or NUL");
            } else {
                headers.put(name.toLowerCase(Locale.ROOT), value);
            }
        });
        return headers;
    }

    private List<String> headerNames(Node node, String key) {
        List<String> names = new ArrayList<>();
        for (String name : yaml.strings(node, key)) {
            String problem = HeaderNames.problemWithName(name);
            if (problem != null) {
                yaml.problem(node, key, problem);
            } else {
                names.add(name.toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    // ---- cache ----

    private CacheHint cacheHint(Map<String, Node> fields, String key) {
        long ttlMs = 0;
        if (fields.containsKey("ttl-ms")) {
            Long value = yaml.integer(fields.get("ttl-ms"), key + ".ttl-ms", 0, CacheHint.MAX_TTL_MS);
            ttlMs = value == null ? 0 : value;
        }
        List<String> scope = null;
        if (fields.containsKey("scope")) {
            scope = scope(fields.get("scope"), key + ".scope");
            if (!fields.containsKey("ttl-ms")) {
                yaml.problem(fields.get("scope"), key + ".scope", "only meaningful with \"ttl-ms\" > 0");
            }
        }
        return new CacheHint(ttlMs, scope);
    }

    private List<String> scope(Node node, String key) {
        List<String> scope = new ArrayList<>();
        List<Node> items = yaml.sequence(node, key);
        for (int i = 0; i < items.size(); i++) {
            String entry = yaml.string(items.get(i), key + "[" + i + "]");
            if (entry == null) {
                continue;
            }
            String normalised = entry.startsWith("header:") ? entry.toLowerCase(Locale.ROOT) : entry;
            if (CacheHint.isValidScopeEntry(normalised)) {
                scope.add(normalised);
            } else {
                yaml.problem(items.get(i), key + "[" + i + "]", "\"" + entry
                    + "\" is not a scope entry; allowed: method, scheme, host, path, query, client_address, header:<name>");
            }
        }
        return scope;
    }

    private static boolean containsAny(String text, String chars) {
        for (int i = 0; i < chars.length(); i++) {
            if (text.indexOf(chars.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
