package dev.arbiter.appliance.policy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Request heads of policy calls, written straight into a buffer. A native call's head,
 * {@code POST /v1/decisions}, is fixed per server but for its length; a compatibility call's
 * head is built from its {@link #header} lines.
 */
public final class RequestHead {

    private static final byte[] REQUEST_LINE = "POST /v1/decisions HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TYPE_AND_LENGTH = "content-type: application/json\r\ncontent-length: "
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
    private static final byte[] CRLF = {'\r', '\n'};

    private RequestHead() {
    }

    /** {@code host: ADDRESS\r\n} for a server at {@code address} ({@code host:port}). */
    public static byte[] hostLine(String address) {
        return ("host: " + address + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The head of a native call whose JSON body is {@code contentLength} bytes. */
    public static ByteBuf nativeCall(ByteBufAllocator alloc, byte[] hostLine, int contentLength) {
        ByteBuf head = alloc.directBuffer(REQUEST_LINE.length + hostLine.length + TYPE_AND_LENGTH.length + 14);
        head.writeBytes(REQUEST_LINE).writeBytes(hostLine).writeBytes(TYPE_AND_LENGTH);
        decimal(head, contentLength);
        return head.writeBytes(HEAD_END);
    }

    /**
     * {@code name: value\r\n}, bytes as ISO-8859-1 (as the request decoder read them).
     *
     * @throws IllegalArgumentException when the value holds CR or LF, which would break the request
     */
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
    private static void decimal(ByteBuf head, int n) {
        if (n >= 10) {
            decimal(head, n / 10);
        }
        head.writeByte('0' + n % 10);
    }
}
