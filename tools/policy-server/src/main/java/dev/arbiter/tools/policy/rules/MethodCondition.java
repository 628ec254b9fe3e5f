package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.List;
import java.util.Locale;

/** The method is one of the listed ones (compared uppercase). */
final class MethodCondition implements Condition {

    private final List<String> methods;

    MethodCondition(List<String> methods) {
        this.methods = methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).toList();
    }

    @Override
    public boolean test(RequestSummary request) {
        return methods.contains(request.method().toUpperCase(Locale.ROOT));
    }
}
