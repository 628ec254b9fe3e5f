package dev.arbiter.benchmarks;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * The baseline the header benchmarks compare against: hop-by-hop stripping (RFC 9110 7.6.1) by
 * removing fields from Netty's header map, the way the appliance did it before it wrote heads as
 * bytes ({@code UpstreamRequestWriter}, {@code ResponseParser}).
 */
public final class MapHopByHop {

    private static final AsciiString[] FIXED = {
        HttpHeaderNames.CONNECTION,
        AsciiString.cached("keep-alive"),
        AsciiString.cached("proxy-connection"),
        HttpHeaderNames.PROXY_AUTHENTICATE,
        HttpHeaderNames.PROXY_AUTHORIZATION,
        HttpHeaderNames.TE,
        HttpHeaderNames.TRAILER,
        HttpHeaderNames.UPGRADE,
    };

    private MapHopByHop() {
    }

    /**
     * Strips hop-by-hop fields. Transfer-Encoding is hop-by-hop too, but the codec re-frames the
     * body from it, so callers decide its fate themselves.
     */
    public static void strip(HttpHeaders headers) {
        String connection = headers.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            removeNamedIn(headers, connection);
        }
        for (AsciiString name : FIXED) {
            headers.remove(name);
        }
    }

    private static void removeNamedIn(HttpHeaders headers, String connection) {
        int start = 0;
        int len = connection.length();
        while (start < len) {
            int comma = connection.indexOf(',', start);
            int end = comma < 0 ? len : comma;
            int s = start;
            int e = end;
            while (s < e && connection.charAt(s) == ' ') {
                s++;
            }
            while (e > s && connection.charAt(e - 1) == ' ') {
                e--;
            }
            if (e > s && !isProtected(connection, s, e)) {
                headers.remove(connection.substring(s, e));
            }
            start = end + 1;
        }
    }

    /** A client must not be able to strip the fields that frame the message or name its host. */
    private static boolean isProtected(String s, int start, int end) {
        return regionIs(s, start, end, "content-length") || regionIs(s, start, end, "transfer-encoding")
                || regionIs(s, start, end, "host");
    }

    private static boolean regionIs(String s, int start, int end, String name) {
        return end - start == name.length() && s.regionMatches(true, start, name, 0, name.length());
    }
}
