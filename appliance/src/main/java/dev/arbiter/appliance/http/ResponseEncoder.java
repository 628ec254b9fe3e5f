package dev.arbiter.appliance.http;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * Response encoder that knows when the request being answered was a HEAD, so that a backend's
 * chunked answer to HEAD is not given a body (the role Netty's HttpServerCodec plays with its
 * method queue; requests here are answered one at a time, so one flag is enough).
 */
public final class ResponseEncoder extends HttpResponseEncoder {

    private boolean answeringHead;

    public void answeringHead(boolean head) {
        this.answeringHead = head;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        if (answeringHead && msg.status().code() >= 200) {
            return true;
        }
        return super.isContentAlwaysEmpty(msg);
    }
}
