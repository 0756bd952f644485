package org.twinmail.cluster;

import java.net.InetSocketAddress;
import java.util.List;
import org.twinmail.core.config.Listen;

/**
 * One UDP heartbeat path to the peer, parsed from {@code "name bindHost:port peerHost:port"}.
 * Each channel should be an independent network (the private link, the public network), so
 * that losing one is a reported fault and not a reason to fail over.
 */
public record HeartbeatChannel(String name, InetSocketAddress bind, InetSocketAddress peer) {

    public static HeartbeatChannel parse(String text) {
        List<String> parts = List.of(text.trim().split("\\s+"));
        if (parts.size() != 3) {
            throw new IllegalArgumentException("cluster.channels entry \"" + text + "\" must be \"name bindHost:port peerHost:port\"");
        }
        try {
            return new HeartbeatChannel(parts.get(0), Listen.parse(parts.get(1)).socketAddress(), Listen.parse(parts.get(2)).socketAddress());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cluster.channels entry \"" + text + "\": " + e.getMessage(), e);
        }
    }
}
