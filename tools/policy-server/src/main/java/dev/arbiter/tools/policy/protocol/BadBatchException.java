package dev.arbiter.tools.policy.protocol;

/** A decision request the server cannot read; answered with 400 and {@code {"error": message}}. */
public class BadBatchException extends Exception {

    private static final long serialVersionUID = 1L;

    public BadBatchException(String message) {
        super(message);
    }
}
