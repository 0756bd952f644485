package org.twinmail.server.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.twinmail.cluster.ControlSocket;
import org.twinmail.core.config.ConfigLoader;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.server.TwinmailServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code twinmail cluster status|switchover}: asks the pair node running on this machine
 * through its control socket in {@code cluster.stateDir}.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Hot-standby pair: status and planned switchover.",
        subcommands = {ClusterCommand.Status.class, ClusterCommand.Switchover.class})
final class ClusterCommand {

    @Option(names = "--config", paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT, required = true,
            description = "Configuration file of the node (its cluster section).")
    Path config;

    int call(picocli.CommandLine.Model.CommandSpec spec, String request) {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        TwinmailConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigLoader.ConfigException e) {
            err.println("twinmail: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (!TwinmailServer.isPair(cfg)) {
            err.println("twinmail: " + config + " configures a single node (cluster.nodeId is empty)");
            return ExitCodes.USAGE;
        }
        try {
            String answer = ControlSocket.call(TwinmailServer.runDir(cfg), request);
            if (answer.startsWith("ERR ")) {
                err.print("twinmail: " + answer.substring(4));
                err.flush();
                return ExitCodes.UNAVAILABLE;
            }
            out.print(answer);
            out.flush();
            return ExitCodes.OK;
        } catch (IOException | IllegalStateException e) {
            err.println("twinmail: " + e.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Role, epoch, lease age, peer, heartbeat channels, VIP holder of the node on this machine.")
    static final class Status implements Callable<Integer> {
        @ParentCommand ClusterCommand parent;
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return parent.call(spec, "status");
        }
    }

    @Command(name = "switchover", mixinStandardHelpOptions = true,
            description = "Move the service to the other node (run on either node); waits until it serves there.")
    static final class Switchover implements Callable<Integer> {
        @ParentCommand ClusterCommand parent;
        @Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return parent.call(spec, "switchover");
        }
    }
}
