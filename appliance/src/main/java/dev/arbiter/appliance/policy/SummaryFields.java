package dev.arbiter.appliance.policy;

import java.net.Inet6Address;
import java.net.InetAddress;
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
        InetAddress ip = a.getAddress();
        String s = ip.getHostAddress();
        if (ip instanceof Inet6Address) {
            int pct = s.indexOf('%');
            return canonical6(pct < 0 ? s : s.substring(0, pct));
        }
        return s;
    }

    /** RFC 5952: the longest run of two or more zero groups becomes "::" (the first such run on a tie). */
    static String canonical6(String full) {
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bestStart; i++) {
            sb.append(i == 0 ? "" : ":").append(groups[i]);
        }
        sb.append("::");
        for (int i = bestStart + bestLen; i < groups.length; i++) {
            sb.append(groups[i]);
            if (i < groups.length - 1) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
