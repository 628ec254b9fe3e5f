package dev.arbiter.appliance.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * Every reason the appliance refuses a client request before routing it, with the status the
 * client gets and the label of its counter ({@code arbiter_rejected_requests_total{reason=...}}).
 * The connection is always closed after the answer: after a framing error nothing that follows
 * on it can be trusted.
 */
public enum RequestRejection {
    REQUEST_LINE_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request_line_too_long"),
    HEADER_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header_too_large"),
    TOO_MANY_HEADERS(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too_many_headers"),
    OBS_FOLD(HttpResponseStatus.BAD_REQUEST, "obs_fold"),
    MALFORMED(HttpResponseStatus.BAD_REQUEST, "malformed"),
    UNKNOWN_TRANSFER_CODING(HttpResponseStatus.NOT_IMPLEMENTED, "unknown_transfer_coding"),
    BODY_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large"),
    HEADER_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "header_timeout"),
    BODY_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "body_timeout"),
    MISSING_HOST(HttpResponseStatus.BAD_REQUEST, "missing_host"),
    /** More than one Host line, or a Host value (or absolute-form authority) that is not uri-host [":" port]. */
    INVALID_HOST(HttpResponseStatus.BAD_REQUEST, "invalid_host"),
    /** A request-target with a control character, a space or a byte over 0x7F, or an absolute-form that is not http(s). */
    INVALID_TARGET(HttpResponseStatus.BAD_REQUEST, "invalid_target"),
    /** A major version other than 1 (HTTP/1.x with x > 1 is served as HTTP/1.1). */
    UNSUPPORTED_VERSION(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "unsupported_version"),
    /** TRACE, which would echo the request (cookies, credentials the balancer added) back to a script (XST). */
    METHOD_NOT_ALLOWED(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed");

    private final HttpResponseStatus status;
    private final String label;

    RequestRejection(HttpResponseStatus status, String label) {
        this.status = status;
        this.label = label;
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String label() {
        return label;
    }

    /** An exception that carries this rejection through Netty's decoder result. */
    public Exception exception() {
        return new Rejected(this);
    }

    /** Maps a decoder failure to the rejection it stands for. */
    public static RequestRejection of(Throwable cause) {
        if (cause instanceof Rejected r) {
            return r.rejection;
        }
        if (cause instanceof TooLongHttpLineException) {
            return REQUEST_LINE_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return HEADER_TOO_LARGE;
        }
        return MALFORMED;
    }

    /**
     * Maps a failure while decoding a body: a chunk-size line over the line limit is a bad chunk
     * size (400), not a long request line.
     */
    public static RequestRejection ofContent(Throwable cause) {
        RequestRejection r = of(cause);
        return r == REQUEST_LINE_TOO_LONG ? MALFORMED : r;
    }

    /** Carries a rejection; no stack trace, since it is control flow for bad input. */
    static final class Rejected extends Exception {
        private final transient RequestRejection rejection;

        Rejected(RequestRejection rejection) {
            super(rejection.label(), null, false, false);
            this.rejection = rejection;
        }
    }
}
