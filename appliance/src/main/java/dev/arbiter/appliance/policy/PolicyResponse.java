package dev.arbiter.appliance.policy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * One answer read off a policy connection by {@link PolicyResponseDecoder}: its status, its body,
 * and its headers when the group's mode reads them (compatibility mode); or why it could not be
 * read, after which the connection is not trusted any more.
 */
public final class PolicyResponse {

    private final int status;
    private final HttpHeaders headers;
    private final ByteBuf content;
    private final FailureReason failure;

    private PolicyResponse(int status, HttpHeaders headers, ByteBuf content, FailureReason failure) {
        this.status = status;
        this.headers = headers;
        this.content = content;
        this.failure = failure;
    }

    /** @param content the body, owned by the response from here on */
    static PolicyResponse of(int status, HttpHeaders headers, ByteBuf content) {
        return new PolicyResponse(status, headers == null ? EmptyHttpHeaders.INSTANCE : headers, content, null);
    }

    static PolicyResponse failed(FailureReason reason) {
        return new PolicyResponse(0, EmptyHttpHeaders.INSTANCE, Unpooled.EMPTY_BUFFER, reason);
    }

    public int status() {
        return status;
    }

    /** The answer's headers in compatibility mode; empty in native mode, which reads none but the framing. */
    public HttpHeaders headers() {
        return headers;
    }

    public ByteBuf content() {
        return content;
    }

    /** Null for an answer that was read whole; otherwise why the connection's answers cannot be read. */
    public FailureReason failure() {
        return failure;
    }

    public void release() {
        if (content.refCnt() > 0) {
            content.release();
        }
    }
}
