package dev.arbiter.tools.policy.rules;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network, {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a /32 or /128. */
record Cidr(byte[] network, int prefixLength) {

    /** Parses {@code text}; throws IllegalArgumentException with the reason. */
    static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        byte[] address = parseLiteral(addressText);
        if (address == null) {
            throw new IllegalArgumentException("\"" + addressText + "\" is not an IPv4 or IPv6 address");
        }
        int maxBits = address.length * 8;
        int prefix = maxBits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > maxBits) {
                throw new IllegalArgumentException("prefix length \"" + text.substring(slash + 1) + "\" outside 0.." + maxBits);
            }
        }
        return new Cidr(address, prefix);
    }

    boolean contains(String addressText) {
        byte[] address = parseLiteral(addressText);
        if (address == null || address.length != network.length) {
            return false;
        }
        int fullBytes = prefixLength / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int restBits = prefixLength % 8;
        if (restBits == 0) {
            return true;
        }
        int mask = (0xFF << (8 - restBits)) & 0xFF;
        return (address[fullBytes] & mask) == (network[fullBytes] & mask);
    }

    /**
     * Bytes of an IP literal, or null. Refuses anything but dotted-quad IPv4 and hex-colon IPv6 text
     * first, so InetAddress never turns a typo into a DNS lookup. IPv4-mapped IPv6 addresses come back
     * as IPv4 (InetAddress does that), so ::ffff:10.1.2.3 is inside 10.0.0.0/8.
     */
    static byte[] parseLiteral(String text) {
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (bare.isEmpty() || (bare.indexOf('.') < 0 && bare.indexOf(':') < 0)) {
            return null;
        }
        boolean v6 = bare.indexOf(':') >= 0;
        int dots = 0;
        for (int i = 0; i < bare.length(); i++) {
            char c = bare.charAt(i);
            dots += c == '.' ? 1 : 0;
            boolean digit = (c >= '0' && c <= '9') || (v6 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f');
            if (!digit && c != '.' && c != ':') {
                return null;
            }
        }
        if (!v6 && dots != 3) {
            return null;
        }
        try {
            return InetAddress.getByName(bare).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
