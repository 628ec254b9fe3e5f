package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.regex.Pattern;

/**
 * A header is present and equals {@code value}, or contains a match of {@code regex}; with
 * neither, presence alone. An absent header never matches.
 */
final class HeaderCondition implements Condition {

    private final String name;
    private final String value;
    private final Pattern regex;

    HeaderCondition(String lowercaseName, String value, Pattern regex) {
        this.name = lowercaseName;
        this.value = value;
        this.regex = regex;
    }

    @Override
    public boolean test(RequestSummary request) {
        String actual = request.header(name);
        if (actual == null) {
            return false;
        }
        if (value != null) {
            return value.equals(actual);
        }
        return regex == null || regex.matcher(actual).find();
    }
}
