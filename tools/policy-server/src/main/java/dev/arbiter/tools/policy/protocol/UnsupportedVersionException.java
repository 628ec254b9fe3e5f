package dev.arbiter.tools.policy.protocol;

/** The batch's {@code version} is missing or not one this server speaks (protocol, section 7). */
public final class UnsupportedVersionException extends BadBatchException {

    private static final long serialVersionUID = 1L;

    public UnsupportedVersionException() {
        super("unsupported version");
    }
}
