package dev.arbiter.tools.policy.rules;

import dev.arbiter.tools.policy.protocol.RequestSummary;
import java.util.List;

/** The client address lies in one of the networks. */
final class ClientCidrCondition implements Condition {

    private final List<Cidr> networks;

    ClientCidrCondition(List<Cidr> networks) {
        this.networks = List.copyOf(networks);
    }

    @Override
    public boolean test(RequestSummary request) {
        for (Cidr network : networks) {
            if (network.contains(request.clientAddress())) {
                return true;
            }
        }
        return false;
    }
}
