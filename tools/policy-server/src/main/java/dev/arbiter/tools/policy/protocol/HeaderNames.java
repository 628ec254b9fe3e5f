package dev.arbiter.tools.policy.protocol;

import java.util.Locale;
import java.util.Set;

/** Header name and value rules shared by decisions of both modes (protocol, section 2.4). */
public final class HeaderNames {

    /** Headers the appliance controls; a decision naming one is malformed. */
    public static final Set<String> FORBIDDEN = Set.of(
        "host", "content-length", "transfer-encoding", "connection", "keep-alive",
        "proxy-connection", "te", "trailer", "upgrade");

    private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";

    private HeaderNames() {
    }

    /** RFC 9110 {@code token}. */
    public static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || TOKEN_SYMBOLS.indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public static boolean isForbidden(String name) {
        return FORBIDDEN.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Values may not carry CR, LF or NUL: they would split or truncate the header. */
    public static boolean isValidValue(String value) {
        return value.indexOf('\r') < 0 && value.indexOf('\n') < 0 && value.indexOf('\0') < 0;
    }

    /** Why {@code name} cannot be used in a decision, or null when it can. */
    public static String problemWithName(String name) {
        if (!isToken(name)) {
            return "header name \"" + name + "\" is not an HTTP token";
        }
        if (isForbidden(name)) {
            return "header \"" + name + "\" is controlled by the appliance; not allowed: " + FORBIDDEN;
        }
        return null;
    }
}
