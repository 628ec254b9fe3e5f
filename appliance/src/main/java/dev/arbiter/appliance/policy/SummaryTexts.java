package dev.arbiter.appliance.policy;

import com.fasterxml.jackson.core.io.SerializedString;
import java.net.InetSocketAddress;

/**
 * The summary fields that repeat from request to request, rendered and JSON-quoted once: the
 * client address (one {@link InetSocketAddress} per client connection) and the host (the same
 * Host header on every request of a keep-alive connection, and usually across connections).
 * Without it every summary formats the address, lower-cases and cuts the Host header and
 * escapes both again.
 *
 * <p>Two tables of {@value #SLOTS} sets: the address by the identity of the connection's address
 * object, in sets of two (the one used last first), so two busy connections whose addresses
 * land in one set do not take it from each other on every request (with 128 connections about
 * one in eight shares its set); the host by the header's value, direct-mapped (a box serves a
 * few host names). A miss renders the field and takes the slot, so the memory is fixed and a
 * wrong entry is impossible (the key is compared), only a re-render. Confined to the thread that
 * encodes a {@link PolicyGroup}'s batches.
 */
public final class SummaryTexts {

    static final int SLOTS = 1024;
    /**
     * Longest Host header kept (a DNS name is at most 253 characters, plus a port): a client
     * sending long ones cannot make the memo hold up to 1,024 header-sized strings.
     */
    static final int MAX_HOST_CHARS = 261;
    private static final SerializedString EMPTY = new SerializedString("");

    /** Set {@code i} is slots {@code 2i} (used last) and {@code 2i + 1}. */
    private final InetSocketAddress[] clients = new InetSocketAddress[2 * SLOTS];
    private final SerializedString[] clientTexts = new SerializedString[2 * SLOTS];
    private final String[] rawHosts = new String[SLOTS];
    private final SerializedString[] hostTexts = new SerializedString[SLOTS];

    /** An empty memo (public for benchmarks). */
    public SummaryTexts() {
    }

    /** The client address as the summary writes it ({@code "address"}). */
    SerializedString client(InetSocketAddress a) {
        int first = (System.identityHashCode(a) & (SLOTS - 1)) << 1;
        if (clients[first] == a) {
            return clientTexts[first];
        }
        // Into the first slot, by a hit in the second or a new rendering; the first moves down.
        SerializedString text = clients[first + 1] == a ? clientTexts[first + 1] : new SerializedString(SummaryFields.address(a));
        clients[first + 1] = clients[first];
        clientTexts[first + 1] = clientTexts[first];
        clients[first] = a;
        clientTexts[first] = text;
        return text;
    }

    /** The summary's {@code "host"}: the Host header lower-cased without its port. */
    SerializedString host(String raw) {
        if (raw == null) {
            return EMPTY;
        }
        if (raw.length() > MAX_HOST_CHARS) {
            return new SerializedString(SummaryFields.host(raw));
        }
        int h = raw.hashCode();
        int i = (h ^ (h >>> 16)) & (SLOTS - 1);
        String seen = rawHosts[i];
        if (seen != raw && !raw.equals(seen)) {
            hostTexts[i] = new SerializedString(SummaryFields.host(raw));
            rawHosts[i] = raw;
        }
        return hostTexts[i];
    }
}
