package dev.arbiter.appliance.policy;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;

/**
 * One HTTP call to a policy server: a native batch or one compatibility-mode request. Lives on
 * the policy I/O thread from hand-off to answer.
 */
abstract class Call {

    /** After this the call is useless: every request in it has passed its deadline. */
    final long giveUpNanos;

    Call(long giveUpNanos) {
        this.giveUpNanos = giveUpNanos;
    }

    /** The HTTP request to send (built fresh for each send). */
    abstract FullHttpRequest request(String hostHeader);

    /**
     * Handles the answer; decisions go to {@code out}.
     *
     * @return null when the call as a whole succeeded, or the reason it failed
     */
    abstract FailureReason complete(FullHttpResponse response, Deliveries out, long nowNanos);

    /** Fails every request of the call. */
    abstract void fail(FailureReason reason, Deliveries out);

    abstract int size();
}
