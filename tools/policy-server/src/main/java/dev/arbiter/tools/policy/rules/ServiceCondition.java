package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.List;

/** The request arrived on one of the listed virtual services: one rules file, several tenants. */
final class ServiceCondition implements Condition {

    private final List<String> services;

    ServiceCondition(List<String> services) {
        this.services = List.copyOf(services);
    }

    @Override
    public boolean test(RequestSummary request) {
        return services.contains(request.service());
    }
}
