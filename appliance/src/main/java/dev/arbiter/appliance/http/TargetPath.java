package dev.arbiter.appliance.http;

/**
 * The path of an origin-form request-target in the normal form of RFC 3986 section 6.2.2, which
 * the appliance routes on, shows the policy server and forwards. Without it a prefix match and
 * the backend can disagree about what a path names: {@code /status/../admin} would match a
 * {@code /status} service that no policy guards and reach {@code /admin} at a backend that
 * resolves the dot-segment; {@code /%61dmin} would miss an {@code /admin} service and still be
 * {@code /admin} to the backend.
 *
 * <ol>
 *   <li>percent-encoded unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) are decoded; every
 *       other escape keeps its octet, its hex digits upper case ({@code %2f} becomes {@code %2F}:
 *       an encoded slash stays data, never a separator);</li>
 *   <li>dot-segments are removed (section 5.2.4): {@code /a/./b/../c} becomes {@code /a/c}, and
 *       a {@code ..} at the root stays at the root.</li>
 * </ol>
 *
 * <p>The query is left as it came. A path that needs neither step (almost every one) is
 * returned as the same instance after one scan, without allocation.
 */
public final class TargetPath {

    private TargetPath() {
    }

    /** {@code target} with its path normalized; {@code target} itself when it already is. */
    public static String normalize(String target) {
        int end = pathEnd(target);
        if (isNormal(target, end)) {
            return target;
        }
        String path = removeDotSegments(decodeUnreserved(target, end));
        return end == target.length() ? path : path + target.substring(end);
    }

    /**
     * Whether every character of {@code s} is visible ASCII ({@code !} .. {@code ~}), the only
     * characters a request-target may hold (RFC 9112 3.2), and none of {@code excluded}.
     */
    public static boolean isVisibleAscii(String s, String excluded) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7E || excluded.indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static int pathEnd(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target.length() : q;
    }

    /** No escape at all, and no segment that is "." or "..". */
    private static boolean isNormal(String s, int end) {
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                return false;
            }
            if (c == '.' && i > 0 && s.charAt(i - 1) == '/') {
                int next = i + 1 < end && s.charAt(i + 1) == '.' ? i + 2 : i + 1;
                if (next == end || s.charAt(next) == '/') {
                    return false;
                }
            }
        }
        return true;
    }

    private static String decodeUnreserved(String s, int end) {
        StringBuilder b = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < end && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                char decoded = (char) (hex(s.charAt(i + 1)) << 4 | hex(s.charAt(i + 2)));
                if (Authority.unreserved(decoded)) {
                    b.append(decoded);
                } else {
                    b.append('%').append(Character.toUpperCase(s.charAt(i + 1))).append(Character.toUpperCase(s.charAt(i + 2)));
                }
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** RFC 3986 5.2.4, for a path that starts with "/". */
    static String removeDotSegments(String in) {
        StringBuilder out = new StringBuilder(in.length());
        int i = 0;
        int n = in.length();
        while (i < n) {
            if (in.startsWith("/./", i)) {
                i += 2;
            } else if (i + 2 == n && in.startsWith("/.", i)) {
                out.append('/');
                i = n;
            } else if (in.startsWith("/../", i)) {
                i += 3;
                dropLastSegment(out);
            } else if (i + 3 == n && in.startsWith("/..", i)) {
                dropLastSegment(out);
                out.append('/');
                i = n;
            } else {
                int next = in.indexOf('/', i + 1);
                if (next < 0) {
                    next = n;
                }
                out.append(in, i, next);
                i = next;
            }
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    private static void dropLastSegment(StringBuilder out) {
        int slash = out.lastIndexOf("/");
        out.setLength(Math.max(slash, 0));
    }

    /** The value of a hex digit, or -1. */
    static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
