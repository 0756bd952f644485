package org.twinmail.server.cli;

import org.twinmail.admin.AdminOperations.QuarantineInfo;
import org.twinmail.admin.AdminOperations.QuarantinedMessage;
import org.twinmail.core.mail.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "quarantine", mixinStandardHelpOptions = true,
        description = "Messages held by a quarantine verdict: list, show, release to their recipients, delete.")
final class QuarantineCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "List held messages, oldest first.")
    int list() {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("ID", "ARRIVED", "REASON", "SENDER", "FROM", "SUBJECT", "RECIPIENTS", "SIZE");
            for (QuarantineInfo q : ops.listQuarantine()) {
                t.row(q.id(), q.arrived(), q.reason(), q.sender().isEmpty() ? "<>" : q.sender(), q.from(), q.subject(),
                        String.join(", ", q.recipients()), ByteSize.format(q.size(), false));
            }
            t.print(out());
        });
    }

    @Command(name = "show", description = "Show a held message's details and header section.")
    int show(@Parameters(paramLabel = "ID", description = "the queue id the client was given") String id) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            QuarantinedMessage m = ops.showQuarantined(id);
            QuarantineInfo q = m.message();
            out().println("id:         " + q.id());
            out().println("arrived:    " + q.arrived());
            out().println("reason:     " + q.reason() + (q.check().isEmpty() ? "" : " (" + q.check() + ")"));
            out().println("client:     " + q.client());
            out().println("sender:     " + (q.sender().isEmpty() ? "<>" : q.sender()));
            out().println("recipients: " + String.join(", ", q.recipients()));
            out().println("size:       " + q.size());
            out().println();
            out().print(m.headers().replace("\r\n", "\n"));
        });
    }

    @Command(name = "release", description = "Deliver a held message to its recipients and remove it from the quarantine.")
    int release(@Parameters(paramLabel = "ID") String id) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            QuarantineInfo q = ops.releaseQuarantined(id);
            out().println("released " + q.id() + " to " + (q.recipients().isEmpty() ? "nobody (its recipients no longer exist)"
                    : String.join(", ", q.recipients())));
        });
    }

    @Command(name = "delete", description = "Remove a held message without delivering it.")
    int delete(@Parameters(paramLabel = "ID") String id) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            ops.deleteQuarantined(id);
            out().println("deleted " + id.strip().toUpperCase(java.util.Locale.ROOT) + " from the quarantine");
        });
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
