package dev.arbiter.appliance.policy;

import io.netty.channel.Channel;

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

    /**
     * Writes the call's HTTP/1.1 request to {@code ch} and flushes it; built afresh for each send.
     *
     * @param hostLine the {@code host: ...\r\n} header line of the server
     * @throws IllegalArgumentException when a header value would break the request (CR or LF)
     */
    abstract void writeTo(Channel ch, byte[] hostLine);

    /**
     * Handles the answer; decisions go to {@code out}.
     *
     * @return null when the call as a whole succeeded, or the reason it failed
     */
    abstract FailureReason complete(PolicyResponse response, Deliveries out, long nowNanos);

    /** Fails every request of the call. */
    abstract void fail(FailureReason reason, Deliveries out);

    /**
     * Gives the call's requests back to {@code group}, to go out again in another call: the
     * connection it was on is being closed for another call's sake. The call itself is done.
     */
    abstract void requeue(PolicyGroup group);

    abstract int size();
}
