package dev.arbiter.appliance.upstream;

/** The client-side exchange an upstream connection is serving; all calls come on the owning loop. */
public interface UpstreamOwner {

    void onUpstreamRead(Object msg);

    void onUpstreamReadComplete();

    /** The connection closed or failed while this owner held it. */
    void onUpstreamInactive();

    void onUpstreamWritabilityChanged(boolean writable);
}
