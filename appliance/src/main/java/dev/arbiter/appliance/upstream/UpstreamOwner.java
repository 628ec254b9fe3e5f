package dev.arbiter.appliance.upstream;

import dev.arbiter.appliance.http.ResponseParser;

/**
 * The client-side exchange an upstream connection is serving; all calls come on the owning loop.
 * What the backend sends reaches it through the connection's {@link ResponseParser}.
 */
public interface UpstreamOwner extends ResponseParser.Listener {

    void onUpstreamReadComplete();

    /** The connection closed or failed while this owner held it. */
    void onUpstreamInactive();

    void onUpstreamWritabilityChanged(boolean writable);
}
