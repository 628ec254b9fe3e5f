package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.CacheHint;
import dev.arbiter.tools.policy.protocol.Decision;
import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An ordered list of rules loaded from YAML; the first rule whose {@code match} holds decides,
 * and {@code no-match} decides when none does. Immutable, so one instance serves every thread.
 */
public final class RuleSet {

    private final String source;
    private final List<Rule> rules;
    private final Rule noMatch;

    RuleSet(String source, List<Rule> rules, Rule noMatch) {
        this.source = source;
        this.rules = List.copyOf(rules);
        this.noMatch = noMatch;
    }

    /** Reads and validates a rules file; every problem found is in the exception. */
    public static RuleSet load(Path file) throws IOException, RulesException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** Parses rules text; {@code sourceName} names it in error messages. */
    public static RuleSet parse(String yamlText, String sourceName) throws RulesException {
        return new RulesParser(sourceName).parse(yamlText);
    }

    /** A rule set with no rules that answers {@code default} to everything. */
    public static RuleSet allDefault() {
        return new RuleSet("<built-in>", List.of(), noMatchRule(new DefaultAction(), CacheHint.NONE));
    }

    static Rule noMatchRule(Action action, CacheHint cache) {
        return new Rule("no-match", 0, List.of(), action, cache);
    }

    public Decision decide(RequestSummary request) {
        return ruleFor(request).decide(request);
    }

    /** Name of the rule that decides {@code request} ("no-match" when none matches), for logs and tests. */
    public String ruleNameFor(RequestSummary request) {
        return ruleFor(request).name();
    }

    private Rule ruleFor(RequestSummary request) {
        for (Rule rule : rules) {
            if (rule.matches(request)) {
                return rule;
            }
        }
        return noMatch;
    }

    /** Number of rules, not counting {@code no-match}. */
    public int size() {
        return rules.size();
    }

    public String source() {
        return source;
    }

    /** Rule names in evaluation order. */
    public List<String> ruleNames() {
        return rules.stream().map(Rule::name).toList();
    }
}
