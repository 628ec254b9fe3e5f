package dev.arbiter.appliance.policy;

import java.util.List;
import java.util.Set;

/** Which header names and values a decision may carry (protocol section 2.4). */
final class HeaderRules {

    /** Controlled by the appliance: a decision naming one is malformed. */
    static final Set<String> FORBIDDEN = Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "proxy-connection", "te", "trailer", "upgrade");

    private HeaderRules() {
    }

    static boolean hasAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean validNames(List<String> names) {
        for (String n : names) {
            if (!isToken(n) || FORBIDDEN.contains(n)) {
                return false;
            }
        }
        return true;
    }

    /** Flattened name/value pairs. */
    static boolean validPairs(List<String> pairs) {
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            String n = pairs.get(i);
            if (!isToken(n) || FORBIDDEN.contains(n) || hasAny(pairs.get(i + 1), "\r\n\0")) {
                return false;
            }
        }
        return true;
    }
}
