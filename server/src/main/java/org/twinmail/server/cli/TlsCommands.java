package org.twinmail.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "tls", mixinStandardHelpOptions = true, description = "TLS certificates of the running server.")
final class TlsCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "reload", description = "Read the certificate files again; new connections use them at once. "
            + "(The server also notices changed files by itself every tls.reloadCheckInterval.)")
    int reload() {
        return admin.run(spec.commandLine().getErr(), ops -> {
            for (String c : ops.reloadTls().certificates()) spec.commandLine().getOut().println("serving " + c);
        });
    }
}
