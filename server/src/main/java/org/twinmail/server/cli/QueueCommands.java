package org.twinmail.server.cli;

import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations.QueueInfo;
import org.twinmail.admin.AdminOperations.QueuedRecipientInfo;
import org.twinmail.core.mail.Printable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "queue", mixinStandardHelpOptions = true,
        description = "The outbound queue: mail waiting for remote recipients (docs/relay.md).")
final class QueueCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "List queued messages, oldest first, one line per waiting recipient.")
    int list(@Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "At most N messages (default ${DEFAULT-VALUE}).") int limit) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("ID", "ARRIVAL", "SIZE", "SENDER", "RECIPIENT", "ATTEMPTS", "NEXT", "LAST REPLY");
            for (QueueInfo q : ops.listQueue(limit)) {
                for (QueuedRecipientInfo r : q.recipients()) {
                    t.row(String.valueOf(q.id()), q.arrival(), String.valueOf(q.size()), q.sender().isEmpty() ? "<>" : q.sender(),
                            r.address(), String.valueOf(r.attempts()), r.active() ? "now (in delivery)" : r.nextAttempt(),
                            r.lastReply() == null ? "-" : Printable.of(r.lastReply()));
                }
            }
            t.print(spec.commandLine().getOut());
        });
    }

    @Command(name = "retry", description = "Try queued messages again now instead of at their next scheduled attempt.")
    int retry(@Parameters(paramLabel = "ID", arity = "0..1", description = "A queue id from 'queue list'.") Long id,
              @Option(names = "--all", description = "Every queued message.") boolean all) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            if ((id == null) == !all) throw new AdminException(AdminException.Kind.INVALID, "give a queue id or --all, not both or neither");
            int n = ops.retryQueue(all ? 0 : id);
            spec.commandLine().getOut().println(n + (n == 1 ? " recipient" : " recipients") + " due now");
        });
    }

    @Command(name = "bounce", description = {"Return a queued message to its sender: at the relay's next look at the queue",
            "every waiting recipient is bounced (5.0.0) in one DSN (none for a message with the null sender)."})
    int bounce(@Parameters(paramLabel = "ID") long id,
               @picocli.CommandLine.Option(names = "--reason", paramLabel = "TEXT", description = "Told to the sender in the DSN.") String reason) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            int n = ops.bounceQueued(id, reason);
            spec.commandLine().getOut().println("queued message " + id + " will be bounced (" + n + " recipient(s))");
        });
    }

    @Command(name = "delete", description = "Remove a queued message; its sender is not notified.")
    int delete(@Parameters(paramLabel = "ID") long id) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            ops.deleteQueued(id);
            spec.commandLine().getOut().println("deleted queued message " + id);
        });
    }
}
