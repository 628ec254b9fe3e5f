package dev.arbiter.tools.policy.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RulesParserTest {

    private static List<RulesException.Problem> problemsOf(String yaml) {
        try {
            RuleSet.parse(yaml, "bad.yaml");
        } catch (RulesException e) {
            return e.problems();
        }
        throw new AssertionError("expected the rules to be rejected:\n" + yaml);
    }

    @Test
    void shouldLoadTheShippedCanonicalRules() throws Exception {
        RuleSet rules = RuleSet.load(Path.of("rules/canonical.yaml"));
        assertThat(rules.ruleNames()).containsExactly("admin-local-only", "maintenance", "api", "canonical-url");
    }

    @Test
    void shouldReportFileLineKeyAndAllowedValues() {
        List<RulesException.Problem> problems = problemsOf("""
            rules:
              - name: one
                match:
                  path-prefix: /x
                respond:
                  status: 700
            """);
        assertThat(problems).hasSize(1);
        RulesException.Problem problem = problems.get(0);
        assertThat(problem.source()).isEqualTo("bad.yaml");
        assertThat(problem.line()).isEqualTo(6);
        assertThat(problem.key()).isEqualTo("rules[0].respond.status");
        assertThat(problem.toString()).isEqualTo("bad.yaml:6: rules[0].respond.status: \"700\" must be a whole number in 200..599");
    }

    @Test
    void shouldReportEveryProblemInOnePass() {
        List<RulesException.Problem> problems = problemsOf("""
            rules:
              - match:
                  hots: a.example.com
                  client-cidr: 10.0.0.0/33
                  path-regex: "(unclosed"
                forward:
                  backend: "no-port"
                  set-headers: {Connection: close}
                ttl-ms: -1
                scope: [path, cookie]
              - respond: {status: 403}
                default: true
            """);
        assertThat(problems).extracting(RulesException.Problem::key).containsExactlyInAnyOrder(
            "rules[0].match.hots",
            "rules[0].match.client-cidr",
            "rules[0].match.path-regex",
            "rules[0].forward.backend",
            "rules[0].forward.set-headers",
            "rules[0].ttl-ms",
            "rules[0].scope[1]",
            "rules[1]");
        assertThat(problems.get(0).message()).contains("unknown key", "host", "path-prefix");
        assertThat(String.join("\n", problems.stream().map(Object::toString).toList()))
            .contains("prefix length \"33\" outside 0..32")
            .contains("invalid regex")
            .contains("must be host:port")
            .contains("controlled by the appliance")
            .contains("must be a whole number in 0..86400000")
            .contains("\"cookie\" is not a scope entry")
            .contains("needs exactly one action");
    }

    @Test
    void shouldRejectInvalidYamlWithItsLine() {
        List<RulesException.Problem> problems = problemsOf("rules:\n  - match: {host: [a\n");
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0).message()).startsWith("not valid YAML");
        assertThat(problems.get(0).line()).isGreaterThan(0);
    }

    @Test
    void shouldRejectEmptyFileAndMissingRules() {
        assertThat(problemsOf("")).extracting(RulesException.Problem::message).first().asString().contains("empty file");
        assertThat(problemsOf("no-match: {default: true}\n")).extracting(RulesException.Problem::key).containsExactly("rules");
    }

    @Test
    void shouldRejectConflictingRewriteAndBadDropPattern() {
        List<RulesException.Problem> problems = problemsOf("""
            rules:
              - rewrite: {path: relative, query: "a=1", drop-query-params: ["*utm"]}
            """);
        assertThat(problems).extracting(RulesException.Problem::key).containsExactlyInAnyOrder(
            "rules[0].rewrite.path", "rules[0].rewrite.drop-query-params", "rules[0].rewrite");
    }

    @Test
    void shouldRejectOversizedBodyAndBodyOnNoContent() {
        String big = "x".repeat(64 * 1024 + 1);
        assertThat(problemsOf("rules:\n  - respond: {status: 200, body: " + big + "}\n").get(0).message())
            .contains("at most 65536");
        assertThat(problemsOf("rules:\n  - respond: {status: 204, body: hi}\n").get(0).message())
            .contains("has no body");
    }

    @Test
    void shouldRejectRepeatedKeysAndWrongVersion() {
        assertThat(problemsOf("version: 2\nrules: []\n").get(0).key()).isEqualTo("version");
        assertThat(problemsOf("rules:\n  - default: true\n    default: true\n").get(0).message()).isEqualTo("repeated key");
    }

    @Test
    void shouldExplainLoadFailureInTheExceptionMessage() {
        assertThatThrownBy(() -> RuleSet.parse("rules:\n  - respond: {status: ok}\n", "x.yaml"))
            .isInstanceOf(RulesException.class)
            .hasMessage("x.yaml:2: rules[0].respond.status: \"ok\" must be a whole number in 200..599");
    }
}
