package dev.arbiter.tools.policy;

import java.util.Locale;

/**
 * A deliberate failure, so appliance tests can exercise each failure kind of the protocol
 * (section 5). Applies to decision calls of both modes; to health checks only when asked.
 *
 * <pre>
 *   none        answer normally
 *   status:NNN  answer with status NNN (100..599) and {"error":"injected failure"}
 *   garbage     native: 200 with a body that is not JSON; compat: 200 with a malformed X-Policy-TTL-Ms
 *   hang        read the request, never answer, keep the connection open
 *   close       close the connection without answering
 *   missing     native: 200 {"decisions":[]} (every request lacks its decision); compat: normal
 *   oversize    native: 200 with a valid 2 MiB body; compat: 403 with a 2 MiB body
 *   malformed-first
 *               native: the real answer, its first decision given a header value that is a
 *               number (malformed inside a nested object); compat: normal
 * </pre>
 */
public record FailMode(Kind kind, int status) {

    /** The kinds of failure; see the class comment. */
    public enum Kind { NONE, STATUS, GARBAGE, HANG, CLOSE, MISSING, OVERSIZE, MALFORMED_FIRST;

        /** The name {@code --fail-mode} takes: lower case, words joined by '-'. */
        public String flag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public static final FailMode NONE = new FailMode(Kind.NONE, 0);

    public FailMode {
        if (kind == Kind.STATUS && (status < 100 || status > 599)) {
            throw new IllegalArgumentException("status=" + status + " outside 100..599");
        }
    }

    public static FailMode status(int status) {
        return new FailMode(Kind.STATUS, status);
    }

    public static FailMode of(Kind kind) {
        return new FailMode(kind, 0);
    }

    /** Parses the {@code --fail-mode} flag: {@code none}, {@code status:500}, {@code garbage}, ... */
    public static FailMode parse(String text) {
        String lower = text.trim().toLowerCase(Locale.ROOT);
        if (lower.startsWith("status:")) {
            try {
                return status(Integer.parseInt(lower.substring("status:".length())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("fail mode \"" + text + "\": status must be a number, e.g. status:500", e);
            }
        }
        for (Kind kind : Kind.values()) {
            if (kind != Kind.STATUS && kind.flag().equals(lower)) {
                return of(kind);
            }
        }
        throw new IllegalArgumentException(
            "fail mode \"" + text + "\" unknown; allowed: none, status:NNN, garbage, hang, close, missing, oversize, malformed-first");
    }

    public boolean active() {
        return kind != Kind.NONE;
    }

    @Override
    public String toString() {
        return kind == Kind.STATUS ? "status:" + status : kind.flag();
    }
}
