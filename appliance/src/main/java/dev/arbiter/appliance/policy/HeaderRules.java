package dev.arbiter.appliance.policy;

import dev.arbiter.appliance.http.TargetPath;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import java.util.List;
import java.util.Set;

/**
 * What a decision may carry into a request or a response (protocol section 2.5): header names
 * and values, and the path and query of a rewrite. Whatever passes goes on the wire as one byte
 * per character, so it is checked against the grammar of the place it goes, not only for the
 * characters that would split a line.
 */
final class HeaderRules {

    /** Controlled by the appliance: a decision naming one is malformed. */
    static final Set<String> FORBIDDEN = Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "proxy-connection", "te", "trailer", "upgrade");

    private HeaderRules() {
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
            if (!isToken(n) || FORBIDDEN.contains(n) || !isFieldValue(pairs.get(i + 1))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A field value as RFC 9110 section 5.5 has it: visible characters and obs-text (up to
     * U+00FF, one byte each on the wire), with spaces and tabs only between them. Netty refuses
     * control characters and a leading space or tab when the value is set; the trailing ones and
     * characters past U+00FF it would let through.
     */
    static boolean isFieldValue(String v) {
        int n = v.length();
        if (n == 0) {
            return true;
        }
        if (HttpHeaderValidationUtil.validateValidHeaderValue(v) != -1) {
            return false;
        }
        char last = v.charAt(n - 1);
        if (last == ' ' || last == '\t') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (v.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    /**
     * A rewritten path: starts with {@code /}, and every character is visible ASCII other than
     * {@code ?} and {@code #} (RFC 9112 section 3.2's origin-form; anything else, percent-encoded).
     */
    static boolean isRewritePath(String path) {
        return path.startsWith("/") && TargetPath.isVisibleAscii(path, "?#");
    }

    /** A rewritten query: visible ASCII other than {@code #}; empty for none. */
    static boolean isRewriteQuery(String query) {
        return TargetPath.isVisibleAscii(query, "#");
    }
}
