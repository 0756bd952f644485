package org.twinmail.server.cli;

import java.time.Instant;
import org.twinmail.admin.AdminOperations.BanInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "ban", mixinStandardHelpOptions = true,
        description = "Clients banned on every protocol (after failed logins, or by hand); kept in the store, in force at once.")
final class BanCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "List the bans in force, longest first.")
    int list() {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("CLIENT", "UNTIL", "BAN", "REASON");
            for (BanInfo b : ops.listBans()) {
                t.row(b.client(), b.until() == null ? "removed by hand" : b.until(), Integer.toString(b.level() + 1), b.reason());
            }
            t.print(spec.commandLine().getOut());
        });
    }

    @Command(name = "add", description = "Ban a client (an IPv6 address bans its /64): refused at connect, its logins fail without a password check.")
    int add(@Parameters(paramLabel = "ADDRESS") String client,
            @Option(names = "--for", paramLabel = "WHEN", converter = ExpiryConverter.class,
                    description = "2h, 7d, or until 2026-12-31T00:00:00Z; default until removed") Instant until,
            @Option(names = "--reason", paramLabel = "TEXT") String reason) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            BanInfo b = ops.addBan(client, until, reason);
            spec.commandLine().getOut().println("banned " + b.client() + (b.until() == null ? " until removed" : " until " + b.until()));
        });
    }

    @Command(name = "remove", description = "Lift a ban.")
    int remove(@Parameters(paramLabel = "ADDRESS") String client) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            ops.removeBan(client);
            spec.commandLine().getOut().println("lifted the ban of " + client.strip());
        });
    }
}
