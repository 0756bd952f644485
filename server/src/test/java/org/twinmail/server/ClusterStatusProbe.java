package org.twinmail.server;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.twinmail.cluster.ControlSocket;

/** What the pair tests ask a node through `twinmail cluster status`: its text, role and epoch, and waiting for a role. */
public final class ClusterStatusProbe {
    private static final Pattern ROLE = Pattern.compile("role:\\s+(\\w+)");
    private static final Pattern EPOCH = Pattern.compile("epoch:\\s+(\\d+)");

    private ClusterStatusProbe() {}

    /** The status text of the node whose state directory is {@code stateDir}, or "unreachable: ..." (a dead or paused node). */
    public static String status(Path stateDir) {
        try {
            return ControlSocket.call(stateDir, "status", Duration.ofSeconds(1));
        } catch (IOException e) {
            return "unreachable: " + e.getMessage();
        }
    }

    /** ACTIVE, STANDBY, ... or DOWN when the node does not answer. */
    public static String role(Path stateDir) {
        Matcher m = ROLE.matcher(status(stateDir));
        return m.find() ? m.group(1) : "DOWN";
    }

    /** The node's epoch, or -1 when it does not answer. */
    public static long epoch(Path stateDir) {
        Matcher m = EPOCH.matcher(status(stateDir));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Waits up to {@code wait} for the node to report {@code role}; fails with its status otherwise. */
    public static void awaitRole(String name, Path stateDir, String role, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!role(stateDir).equals(role)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " not " + role + " within " + wait.toSeconds() + " s:\n" + status(stateDir));
            }
            Thread.sleep(50);
        }
    }
}
