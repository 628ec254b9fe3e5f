package dev.arbiter.appliance.policy;

/** The failure reason tokens of protocol section 5, with an index for counter arrays. */
public enum FailureReason {
    MISSING_DECISION("missing-decision"),
    INVALID_DECISION("invalid-decision"),
    TIMEOUT("timeout"),
    CONNECTION("connection"),
    STATUS("status"),
    INVALID_RESPONSE("invalid-response"),
    TOO_LARGE("too-large"),
    UNAVAILABLE("unavailable"),
    OVERLOAD("overload");

    private final String token;

    FailureReason(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    public static FailureReason of(String token) {
        for (FailureReason r : values()) {
            if (r.token.equals(token)) {
                return r;
            }
        }
        return INVALID_DECISION;
    }

    /** Failures of a whole call count against the server's circuit breaker; per-request ones do not. */
    public boolean countsAgainstServer() {
        return this != MISSING_DECISION && this != INVALID_DECISION && this != UNAVAILABLE && this != OVERLOAD;
    }
}
