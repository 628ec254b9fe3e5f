package dev.arbiter.tools.backend;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * One request as the backend saw it: what a test asserts on to prove what the appliance sent.
 *
 * @param method    request method
 * @param uri       request target as received
 * @param headers   request headers as received (a copy)
 * @param bodyBytes body length received
 * @param bodyCrc32 CRC-32 of the body received
 * @param remotePort the source port of the connection it came on (tells connections apart)
 */
public record ReceivedRequest(String method, String uri, HttpHeaders headers, long bodyBytes, long bodyCrc32,
                              int remotePort) {
}
