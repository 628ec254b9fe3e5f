package dev.arbiter.tools.policy.protocol;

import java.util.List;
import java.util.Map;

/** What the policy says about one request (protocol, section 2.4). */
public sealed interface Decision permits Decision.Forward, Decision.Respond, Decision.UseDefault {

    CacheHint cache();

    /**
     * Send the request upstream. Null fields are "not given".
     *
     * @param rewriteQuery "" removes the query; null leaves it as it was
     */
    record Forward(
        String pool,
        String backend,
        String rewritePath,
        String rewriteQuery,
        Map<String, String> setHeaders,
        List<String> removeHeaders,
        CacheHint cache) implements Decision {

        public Forward {
            setHeaders = OrderedMaps.copyOf(setHeaders);
            removeHeaders = List.copyOf(removeHeaders);
        }
    }

    /** Answer the client directly. */
    record Respond(int status, Map<String, String> headers, String body, CacheHint cache) implements Decision {

        public Respond {
            headers = OrderedMaps.copyOf(headers);
        }
    }

    /** Let the pool's local algorithm decide. */
    record UseDefault(CacheHint cache) implements Decision {
    }
}
