package org.twinmail.server.cli;

import org.twinmail.admin.AdminOperations.OutboundHoldInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "outbound", mixinStandardHelpOptions = true,
        description = "Accounts whose outbound mail is held (a sudden rise in sending, or many bounces); their held messages are in the quarantine.")
final class OutboundCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "List the accounts whose outbound mail is held, oldest first.")
    int list() {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("ACCOUNT", "SINCE", "REASON", "DETAIL");
            for (OutboundHoldInfo h : ops.listOutboundHolds()) t.row(h.address(), h.since(), h.reason(), h.detail());
            t.print(spec.commandLine().getOut());
        });
    }

    @Command(name = "release", description = "Lift the hold of an account's outbound mail (its held messages stay in the quarantine: release or delete them there).")
    int release(@Parameters(paramLabel = "ADDRESS") String address) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            ops.releaseOutboundHold(address);
            spec.commandLine().getOut().println("lifted the hold of " + address.strip() + "'s outbound mail");
        });
    }
}
