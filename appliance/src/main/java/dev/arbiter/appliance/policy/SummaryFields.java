package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.http.ClientAddress;
import java.net.InetSocketAddress;
import java.util.Locale;

/** How summary fields are rendered (protocol section 2.2); used off the event loops. */
final class SummaryFields {

    private SummaryFields() {
    }

    /** The Host header lower-cased without its port; IPv6 literals keep their brackets. */
    static String host(String raw) {
        if (raw == null) {
            return "";
        }
        int end = raw.length();
        if (raw.startsWith("[")) {
            int close = raw.indexOf(']');
            end = close < 0 ? end : close + 1;
        } else {
            int colon = raw.indexOf(':');
            end = colon < 0 ? end : colon;
        }
        return raw.substring(0, end).toLowerCase(Locale.ROOT);
    }

    /** An absolute-form target reduced to path and query. */
    static String originForm(String uri) {
        if (uri.startsWith("/")) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        if (scheme > 0) {
            int slash = uri.indexOf('/', scheme + 3);
            return slash < 0 ? "/" : uri.substring(slash);
        }
        return uri;
    }

    static String address(InetSocketAddress a) {
        return ClientAddress.text(a.getAddress());
    }
}
