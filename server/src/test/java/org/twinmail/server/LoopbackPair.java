package org.twinmail.server;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A two-node pair on loopback for tests that drive real nodes without the namespace lab:
 * free ports and each node's configuration (both nodes share a lease file as their
 * "raw" device; heartbeats on two loopback channels; short timings).
 */
public final class LoopbackPair {
    private LoopbackPair() {}

    public static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Writes one node's configuration.
     *
     * @param hb         this node's heartbeat ports (private, public)
     * @param peerHb     the peer's
     * @param secretFile the heartbeat secret, or null for unauthenticated heartbeats
     */
    public static void writeConfig(Path config, String id, String peer, int slot, Path data, Path state, Path lease,
                                   int smtp, int pop3, int[] hb, int[] peerHb, Path secretFile) throws IOException {
        Files.writeString(config, """
                hostname: %s.test.example
                dataDir: %s
                smtp: { listen: ["127.0.0.1:%d"] }
                pop3: { listen: ["127.0.0.1:%d"], tlsListen: ["127.0.0.1:0"] }
                submission: { listen: ["127.0.0.1:0"], tlsListen: ["127.0.0.1:0"] }
                imap: { listen: ["127.0.0.1:0"], tlsListen: ["127.0.0.1:0"] }
                http: { listen: ["127.0.0.1:0"] }
                managesieve: { listen: ["127.0.0.1:0"] }
                auth: { argon2MemoryKiB: 1024, argon2Iterations: 1 }
                cluster:
                  nodeId: %s
                  peerId: %s
                  slot: %d
                  stateDir: %s
                  leaseDevice: %s
                  channels:
                    - "private 127.0.0.1:%d 127.0.0.1:%d"
                    - "public 127.0.0.1:%d 127.0.0.1:%d"
                  heartbeatInterval: 100ms
                  leaseTime: 1500ms
                  selfFenceMargin: 500ms
                  healthInterval: 500ms
                """.formatted(id, data, smtp, pop3, id, peer, slot, state, lease, hb[0], peerHb[0], hb[1], peerHb[1])
                + (secretFile == null ? "" : "  heartbeatSecretFile: " + secretFile + "\n"));
    }
}
