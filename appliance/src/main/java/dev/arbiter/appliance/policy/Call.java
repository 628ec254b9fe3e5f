package dev.arbiter.appliance.policy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP call to a policy server: a native batch or one compatibility-mode request. Lives on
 * the policy I/O thread from hand-off to answer.
 */
abstract class Call {

    private static final byte[] CRLF = {'\r', '\n'};

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

    abstract int size();

    /** {@code name: value\r\n}, bytes as ISO-8859-1 (as the request decoder read them). */
    static void header(ByteBuf head, String name, CharSequence value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                throw new IllegalArgumentException("header " + name + " holds a line break");
            }
        }
        head.writeCharSequence(name, StandardCharsets.ISO_8859_1);
        head.writeByte(':').writeByte(' ');
        head.writeCharSequence(value, StandardCharsets.ISO_8859_1);
        head.writeBytes(CRLF);
    }

    /** The blank line that ends a head. */
    static void end(ByteBuf head) {
        head.writeBytes(CRLF);
    }

    /** A non-negative decimal, without a string. */
    static void decimal(ByteBuf head, int n) {
        if (n >= 10) {
            decimal(head, n / 10);
        }
        head.writeByte('0' + n % 10);
    }
}
