package dev.arbiter.tools.policy.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.arbiter.tools.policy.protocol.CacheHint;
import dev.arbiter.tools.policy.protocol.Decision;
import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleSetTest {

    static RequestSummary request(String method, String host, String path, String client, Map<String, String> headers) {
        return new RequestSummary(1, "shop", method, "http", host, path, client, 40000, headers);
    }

    static RequestSummary get(String path) {
        return request("GET", "shop.example.com", path, "203.0.113.9", Map.of());
    }

    static RuleSet rules(String yaml) throws RulesException {
        return RuleSet.parse(yaml, "test.yaml");
    }

    /** A one-rule set whose rule is named "hit"; requests it does not match fall through to "no-match". */
    static RuleSet matching(String matchBlock) throws RulesException {
        return rules("rules:\n  - name: hit\n    match:\n" + matchBlock.indent(6) + "    default: true\n");
    }

    @Test
    void shouldMatchExactHostCaseInsensitively() throws Exception {
        RuleSet rules = matching("host: Shop.Example.com");
        assertThat(rules.ruleNameFor(request("GET", "shop.example.com", "/", "1.2.3.4", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "shop.example.com:8080", "/", "1.2.3.4", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "www.shop.example.com", "/", "1.2.3.4", Map.of()))).isEqualTo("no-match");
    }

    @Test
    void shouldMatchWildcardHostOnSubdomainsOnly() throws Exception {
        RuleSet rules = matching("host: [\"*.example.com\", other.net]");
        assertThat(rules.ruleNameFor(request("GET", "a.example.com", "/", "1.2.3.4", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "a.b.example.com", "/", "1.2.3.4", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "other.net", "/", "1.2.3.4", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "example.com", "/", "1.2.3.4", Map.of()))).isEqualTo("no-match");
        assertThat(rules.ruleNameFor(request("GET", "badexample.com", "/", "1.2.3.4", Map.of()))).isEqualTo("no-match");
    }

    @Test
    void shouldMatchPathPrefixWithoutLookingAtTheQuery() throws Exception {
        RuleSet rules = matching("path-prefix: [/api/, /v2]");
        assertThat(rules.ruleNameFor(get("/api/users?x=1"))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(get("/v2"))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(get("/ap"))).isEqualTo("no-match");
        assertThat(rules.ruleNameFor(get("/x?next=/api/"))).isEqualTo("no-match");
    }

    @Test
    void shouldFindPathRegexInThePathPart() throws Exception {
        RuleSet rules = matching("path-regex: '^/item/[0-9]+$'");
        assertThat(rules.ruleNameFor(get("/item/42?color=red"))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(get("/item/42/reviews"))).isEqualTo("no-match");
        assertThat(rules.ruleNameFor(get("/item/abc"))).isEqualTo("no-match");
    }

    @Test
    void shouldMatchMethodFromList() throws Exception {
        RuleSet rules = matching("method: [get, HEAD]");
        assertThat(rules.ruleNameFor(request("GET", "h", "/", "1.2.3.4", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("HEAD", "h", "/", "1.2.3.4", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("POST", "h", "/", "1.2.3.4", Map.of()))).isEqualTo("no-match");
    }

    @Test
    void shouldMatchHeaderByExactValueRegexOrPresence() throws Exception {
        RuleSet exact = matching("header: {name: X-Tenant, value: blue}");
        assertThat(exact.ruleNameFor(request("GET", "h", "/", "1.2.3.4", Map.of("x-tenant", "blue")))).isEqualTo("hit");
        assertThat(exact.ruleNameFor(request("GET", "h", "/", "1.2.3.4", Map.of("x-tenant", "Blue")))).isEqualTo("no-match");
        assertThat(exact.ruleNameFor(request("GET", "h", "/", "1.2.3.4", Map.of()))).isEqualTo("no-match");

        RuleSet regex = matching("header: {name: user-agent, regex: '(?i)bot'}");
        assertThat(regex.ruleNameFor(request("GET", "h", "/", "1.2.3.4", Map.of("user-agent", "GoogleBot/2.1")))).isEqualTo("hit");
        assertThat(regex.ruleNameFor(request("GET", "h", "/", "1.2.3.4", Map.of("user-agent", "curl/8.5")))).isEqualTo("no-match");

        RuleSet both = matching("header:\n  - {name: cookie}\n  - {name: x-tenant, value: red}");
        assertThat(both.ruleNameFor(request("GET", "h", "/", "1.2.3.4", Map.of("cookie", "a=b", "x-tenant", "red")))).isEqualTo("hit");
        assertThat(both.ruleNameFor(request("GET", "h", "/", "1.2.3.4", Map.of("x-tenant", "red")))).isEqualTo("no-match");
    }

    @Test
    void shouldMatchClientCidrForIpv4AndIpv6() throws Exception {
        RuleSet rules = matching("client-cidr: [10.0.0.0/8, 192.168.1.128/25, \"2001:db8::/32\"]");
        assertThat(rules.ruleNameFor(request("GET", "h", "/", "10.200.3.4", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "h", "/", "192.168.1.200", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "h", "/", "192.168.1.100", Map.of()))).isEqualTo("no-match");
        assertThat(rules.ruleNameFor(request("GET", "h", "/", "2001:db8:0:1::7", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "h", "/", "2001:db9::7", Map.of()))).isEqualTo("no-match");
        assertThat(rules.ruleNameFor(request("GET", "h", "/", "::ffff:10.1.2.3", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "h", "/", "not-an-address", Map.of()))).isEqualTo("no-match");
    }

    @Test
    void shouldMatchServiceAndNegation() throws Exception {
        RuleSet rules = matching("service: shop\nnot:\n  client-cidr: 127.0.0.0/8");
        assertThat(rules.ruleNameFor(request("GET", "h", "/", "203.0.113.9", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "h", "/", "127.0.0.1", Map.of()))).isEqualTo("no-match");
        RequestSummary otherService = new RequestSummary(1, "blog", "GET", "http", "h", "/", "203.0.113.9", 1, Map.of());
        assertThat(rules.ruleNameFor(otherService)).isEqualTo("no-match");
    }

    @Test
    void shouldRequireEveryConditionOfAMatchBlock() throws Exception {
        RuleSet rules = matching("method: POST\npath-prefix: /upload");
        assertThat(rules.ruleNameFor(request("POST", "h", "/upload/1", "1.2.3.4", Map.of()))).isEqualTo("hit");
        assertThat(rules.ruleNameFor(request("GET", "h", "/upload/1", "1.2.3.4", Map.of()))).isEqualTo("no-match");
    }

    @Test
    void shouldLetTheFirstMatchingRuleDecide() throws Exception {
        RuleSet rules = rules("""
            rules:
              - name: specific
                match: {path-prefix: /api/admin}
                respond: {status: 403}
              - name: general
                match: {path-prefix: /api/}
                forward: {pool: api-pool}
              - name: unreachable
                match: {path-prefix: /api/admin/x}
                respond: {status: 410}
            no-match:
              respond: {status: 404, body: "nothing here\\n"}
            """);
        assertThat(rules.ruleNameFor(get("/api/admin/x"))).isEqualTo("specific");
        assertThat(rules.decide(get("/api/admin/x"))).isInstanceOf(Decision.Respond.class);
        assertThat(rules.ruleNameFor(get("/api/items"))).isEqualTo("general");
        assertThat(rules.decide(get("/other"))).isEqualTo(new Decision.Respond(404, Map.of(), "nothing here\n", CacheHint.NONE));
        assertThat(rules.ruleNames()).containsExactly("specific", "general", "unreachable");
    }

    @Test
    void shouldAnswerDefaultWhenNothingMatchesAndNoMatchIsAbsent() throws Exception {
        assertThat(rules("rules: []").decide(get("/"))).isEqualTo(new Decision.UseDefault(CacheHint.NONE));
    }

    @Test
    void shouldBuildForwardDecisionWithHeadersRewriteAndCacheHint() throws Exception {
        RuleSet rules = rules("""
            rules:
              - match: {path-prefix: /api/}
                forward:
                  pool: api-pool
                  backend: "10.0.0.5:8080"
                  set-headers: {X-Tenant: blue}
                  remove-headers: [Cookie]
                rewrite: {path: /v2/api, query: "a=1"}
                ttl-ms: 5000
                scope: [host, path, "header:X-Tenant"]
            """);
        assertThat(rules.decide(get("/api/x?b=2"))).isEqualTo(new Decision.Forward(
            "api-pool", "10.0.0.5:8080", "/v2/api", "a=1", Map.of("x-tenant", "blue"), List.of("cookie"),
            new CacheHint(5000, List.of("host", "path", "header:x-tenant"))));
    }

    @Test
    void shouldBuildRewriteOnlyAsForwardToTheServicePool() throws Exception {
        RuleSet rules = rules("rules:\n  - rewrite: {query: \"\"}\n");
        assertThat(rules.decide(get("/x?y=1"))).isEqualTo(
            new Decision.Forward(null, null, null, "", Map.of(), List.of(), CacheHint.NONE));
    }

    @Test
    void shouldBuildRespondDecision() throws Exception {
        RuleSet rules = rules("""
            rules:
              - respond:
                  status: 302
                  headers: {location: "https://shop.example.com/"}
                ttl-ms: 1000
            """);
        assertThat(rules.decide(get("/"))).isEqualTo(new Decision.Respond(
            302, Map.of("location", "https://shop.example.com/"), null, new CacheHint(1000, null)));
    }

    @Test
    void shouldDropVolatileQueryParamsAndKeepTheRestInOrder() throws Exception {
        RuleSet rules = rules("rules:\n  - rewrite: {drop-query-params: [sid, _, \"utm_*\"]}\n");
        assertThat(queryOf(rules, "/p?b=2&sid=abc&a=1&_=99&utm_source=x&utm_medium=y")).isEqualTo("b=2&a=1");
        assertThat(queryOf(rules, "/p?sid=abc")).isEqualTo("");
        assertThat(queryOf(rules, "/p")).isEqualTo("");
        assertThat(queryOf(rules, "/p?sidx=1&_x=2&utm=3&flag&&z=")).isEqualTo("sidx=1&_x=2&utm=3&flag&z=");
        assertThat(queryOf(rules, "/p?utm%5Fsource=x&k=%20v")).isEqualTo("k=%20v");
    }

    private static String queryOf(RuleSet rules, String path) {
        return ((Decision.Forward) rules.decide(get(path))).rewriteQuery();
    }
}
