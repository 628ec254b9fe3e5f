package dev.arbiter.tools.policy.protocol;

import java.util.Map;

/**
 * One client request as the policy sees it: the summary of the protocol, section 2.2.
 *
 * @param id            opaque id, copied into the decision
 * @param service       virtual service name
 * @param method        request method, uppercase
 * @param scheme        {@code http} or {@code https}
 * @param host          lowercase host without port
 * @param path          origin-form request target, query included
 * @param clientAddress textual IP address of the client
 * @param clientPort    client port, 0 when unknown (compatibility mode)
 * @param headers       lowercase header name to value
 */
public record RequestSummary(
    long id,
    String service,
    String method,
    String scheme,
    String host,
    String path,
    String clientAddress,
    int clientPort,
    Map<String, String> headers) {

    public RequestSummary {
        headers = OrderedMaps.copyOf(headers);
    }

    /** The path without the query. */
    public String pathPart() {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    /** The query after the first {@code ?}, or the empty string. */
    public String query() {
        int q = path.indexOf('?');
        return q < 0 ? "" : path.substring(q + 1);
    }

    /** The value of a header by lowercase name, or null when the request lacks it. */
    public String header(String lowercaseName) {
        return headers.get(lowercaseName);
    }
}
