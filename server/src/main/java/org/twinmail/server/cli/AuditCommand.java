package org.twinmail.server.cli;

import org.twinmail.admin.AdminOperations.AuditEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code twinmail admin audit}: the audit log of administrators' actions, newest first. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Show the audit log of administrators' actions, newest first.")
final class AuditCommand implements java.util.concurrent.Callable<Integer> {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Option(names = "--limit", defaultValue = "50", description = "at most this many entries (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--since", paramLabel = "DATE", description = "from this UTC day on (2026-12-31)")
    String since;

    @Option(names = "--actor", paramLabel = "NAME")
    String actor;

    @Option(names = "--domain", paramLabel = "DOMAIN")
    String domain;

    @Override
    public Integer call() {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("TIME", "ACTOR", "VIA", "CLIENT", "ACTION", "TARGET", "STATUS", "OUTCOME");
            for (AuditEntry e : ops.audit(limit, since, actor, domain)) {
                t.row(e.time(), e.actor(), e.via(), e.client(), e.action(), e.target() == null ? "" : e.target(), Integer.toString(e.status()),
                        e.outcome());
            }
            t.print(spec.commandLine().getOut());
        });
    }
}
