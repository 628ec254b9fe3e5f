package dev.arbiter.appliance.policy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The head of a native call, {@code POST /v1/decisions}, written straight into a buffer: the
 * request line and the Host line are fixed per server, so only the length is formatted per call.
 */
public final class NativeRequestHead {

    private static final byte[] REQUEST_LINE = "POST /v1/decisions HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TYPE_AND_LENGTH = "content-type: application/json\r\ncontent-length: "
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};

    private NativeRequestHead() {
    }

    /** {@code host: ADDRESS\r\n} for a server at {@code address} ({@code host:port}). */
    public static byte[] hostLine(String address) {
        return ("host: " + address + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The head of a call whose JSON body is {@code contentLength} bytes. */
    public static ByteBuf write(ByteBufAllocator alloc, byte[] hostLine, int contentLength) {
        ByteBuf head = alloc.directBuffer(REQUEST_LINE.length + hostLine.length + TYPE_AND_LENGTH.length + 14);
        head.writeBytes(REQUEST_LINE).writeBytes(hostLine).writeBytes(TYPE_AND_LENGTH);
        Call.decimal(head, contentLength);
        return head.writeBytes(HEAD_END);
    }
}
