package dev.arbiter.appliance.http;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A client's address as text, one form everywhere it is written: {@code X-Forwarded-For}
 * towards backends, the policy summary's {@code client_address}, and compatibility mode's
 * {@code X-Forwarded-For}. IPv4 dotted; IPv6 in the RFC 5952 form ({@code ::1}, not
 * {@code 0:0:0:0:0:0:0:1}), without a zone.
 */
public final class ClientAddress {

    private ClientAddress() {
    }

    public static String text(InetAddress ip) {
        String s = ip.getHostAddress();
        if (ip instanceof Inet6Address) {
            int pct = s.indexOf('%');
            return canonical6(pct < 0 ? s : s.substring(0, pct));
        }
        return s;
    }

    /**
     * RFC 5952 section 4.2 for the full form {@link InetAddress#getHostAddress()} gives (eight
     * lower-case groups without leading zeros): the longest run of two or more zero groups
     * becomes "::" (the first such run on a tie).
     */
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
        StringBuilder sb = new StringBuilder(full.length());
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
