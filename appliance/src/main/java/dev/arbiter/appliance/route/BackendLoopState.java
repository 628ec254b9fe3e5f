package dev.arbiter.appliance.route;

import io.netty.channel.Channel;
import java.util.ArrayDeque;

/**
 * What one event loop knows about one backend: its idle keep-alive connections (most recently
 * used first) and its counters. Written only by the owning loop; counters are read by the admin
 * thread without locks, which may see them a moment late.
 */
public final class BackendLoopState {
    public final ArrayDeque<Channel> idle = new ArrayDeque<>();
    public int outstanding;
    public long requests;
    public long failures;
}
