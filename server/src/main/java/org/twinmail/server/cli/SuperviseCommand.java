package org.twinmail.server.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.cluster.ClusterSettings;
import org.twinmail.cluster.LeaseArea;
import org.twinmail.cluster.Supervisor;
import org.twinmail.core.config.ConfigLoader;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.server.TwinmailServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code twinmail supervise}: runs {@code twinmail serve} as a child and, for a node of a pair,
 * hands the service over for it when that JVM dies while serving ({@link Supervisor}), so the
 * peer takes over at once instead of after the lease. Forwards SIGTERM (a clean handover by the
 * node itself) and exits with the child's exit code; it never restarts the child.
 */
@Command(name = "supervise", mixinStandardHelpOptions = true,
        description = "Run 'serve' as a child; if it dies while active, release the volume and hand over for it at once.")
final class SuperviseCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(SuperviseCommand.class);

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "Configuration file of the node.")
    Path config;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the node JVM's pid here.")
    Path pidFile;

    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "The node's command (after --); default: this Java with this JVM's options running 'serve --config FILE'.")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        TwinmailConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigLoader.ConfigException e) {
            System.err.println("twinmail: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        ClusterSettings settings = null;
        LeaseArea lease = null;
        if (TwinmailServer.isPair(cfg)) {
            try {
                settings = ClusterSettings.from(cfg);
                lease = LeaseArea.open(settings.leaseDevice()); // opened now: a crash must not wait for it
            } catch (IllegalArgumentException | java.io.IOException e) {
                System.err.println("twinmail: " + e.getMessage());
                return ExitCodes.UNAVAILABLE;
            }
        }
        List<String> cmd = command.isEmpty() ? defaultCommand() : command;
        Process child = new ProcessBuilder(Supervisor.inOwnProcessGroup(cmd)).inheritIO().start();
        if (pidFile != null) Files.writeString(pidFile, child.pid() + "\n");
        Thread forward = new Thread(() -> {
            child.destroy(); // SIGTERM: the node hands over cleanly by itself
            try {
                child.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "twinmail-supervise-stop");
        Runtime.getRuntime().addShutdownHook(forward);
        if (settings != null) {
            // a JVM that stops renewing while it holds the volume (stopped, frozen) is killed at the moment it would
            // fence itself, and then handed over as a crash below, instead of the peer waiting out the lease and fencing
            ClusterSettings s = settings;
            LeaseArea l = lease;
            Thread.ofPlatform().name("twinmail-supervise-watch").daemon().start(() -> Supervisor.watch(s, l, child.toHandle(), System::nanoTime));
        }
        int code = child.waitFor();
        log.info("the node's JVM (pid {}) exited with code {}", child.pid(), code);
        if (settings != null) {
            try (LeaseArea l = lease) {
                Supervisor.afterExit(settings, l, child.pid(), code);
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(forward);
        } catch (IllegalStateException e) {
            // shutting down already
        }
        return code;
    }

    private List<String> defaultCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--config", config.toString()));
        return cmd;
    }
}
