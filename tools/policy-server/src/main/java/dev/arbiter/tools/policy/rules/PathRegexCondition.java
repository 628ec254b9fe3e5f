package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.regex.Pattern;

/** The regex is found somewhere in the path part (anchor it with ^ and $ to match the whole). */
final class PathRegexCondition implements Condition {

    private final Pattern regex;

    PathRegexCondition(Pattern regex) {
        this.regex = regex;
    }

    @Override
    public boolean test(RequestSummary request) {
        return regex.matcher(request.pathPart()).find();
    }
}
