package dev.arbiter.appliance.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TargetPathTest {

    @ParameterizedTest
    @CsvSource(delimiter = ' ', value = {
        "/status/../admin /admin",
        "/a/./b/../c /a/c",
        "/a/b/.. /a/",
        "/a/b/. /a/b/",
        "/../x /x",
        "/.. /",
        "/%2e%2e/admin /admin",
        "/status/%2E%2e/admin?x=/../y /admin?x=/../y",
        "/%61dmin /admin",
        "/%7euser/%41 /~user/A",
        "/a%2fb /a%2Fb",
        "/a%2Fb%3f%20c /a%2Fb%3F%20c",
        "/100%zz /100%zz",
        "/%4 /%4",
        "/a/..%2F../b /a/..%2F../b",
        "/a/..%2F../../b /a/b",
    })
    void shouldNormalizeAsRfc3986Section622Says(String in, String out) {
        assertThat(TargetPath.normalize(in)).isEqualTo(out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/index.html", "/a/.well-known/x", "/a/...", "/a/..b/c", "/a.b/c.", "/x?a=%2e%2e&b=/../",
        "/.hidden", "/v1.2/items"})
    void shouldReturnANormalPathAsItIs(String in) {
        assertThat(TargetPath.normalize(in)).isSameAs(in);
    }
}
