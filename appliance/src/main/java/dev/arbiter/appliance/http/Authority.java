package dev.arbiter.appliance.http;

/**
 * The authority of a request: the Host field, or the one in an absolute-form target. The
 * balancer routes on it and the backend is sent it, so both must read it the same way; one
 * that is not {@code uri-host [":" port]} is refused rather than guessed at.
 */
public final class Authority {

    private Authority() {
    }

    /**
     * Whether {@code s[from, to)} is {@code uri-host [":" port]} (RFC 3986 3.2.2, 3.2.3) with a
     * host that is not empty: an IP literal in brackets, or a reg-name of unreserved characters,
     * percent-escapes and sub-delims other than ",", which a next hop could read as a list.
     */
    public static boolean isValid(CharSequence s, int from, int to) {
        int i = from;
        if (i < to && s.charAt(i) == '[') {
            i++;
            int literalStart = i;
            while (i < to && s.charAt(i) != ']') {
                char c = s.charAt(i);
                if (!(unreserved(c) || subDelim(c) || c == ':')) {
                    return false;
                }
                i++;
            }
            if (i == to || i == literalStart) {
                return false;
            }
            i++;
        } else {
            int hostStart = i;
            while (i < to && s.charAt(i) != ':') {
                char c = s.charAt(i);
                if (c == '%') {
                    if (i + 2 >= to || TargetPath.hex(s.charAt(i + 1)) < 0 || TargetPath.hex(s.charAt(i + 2)) < 0) {
                        return false;
                    }
                    i += 2;
                } else if (!(unreserved(c) || (subDelim(c) && c != ','))) {
                    return false;
                }
                i++;
            }
            if (i == hostStart) {
                return false;
            }
        }
        if (i == to) {
            return true;
        }
        if (s.charAt(i) != ':') {
            return false;
        }
        for (i++; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** RFC 3986 2.3. */
    static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static boolean subDelim(char c) {
        switch (c) {
            case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=':
                return true;
            default:
                return false;
        }
    }
}
