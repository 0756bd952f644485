package org.twinmail.server.cli;

import org.twinmail.admin.AdminOperations.TlsFailureInfo;
import org.twinmail.admin.AdminOperations.TlsPolicyInfo;
import org.twinmail.admin.AdminOperations.TlsReportInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "tlsrpt", mixinStandardHelpOptions = true,
        description = "SMTP TLS reports (RFC 8460) other mail servers sent about our domains (received at /.well-known/tlsrpt, kept 90 days).")
final class TlsRptCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "List the reports, newest period first: per policy, sessions that succeeded and failed, and why they failed.")
    int list() {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("FROM", "PERIOD-END", "DOMAIN", "POLICY", "OK", "FAILED", "FAILURES");
            for (TlsReportInfo r : ops.listTlsReports()) {
                for (TlsPolicyInfo p : r.policies()) {
                    StringBuilder why = new StringBuilder();
                    for (TlsFailureInfo f : p.failures()) {
                        if (!why.isEmpty()) why.append(", ");
                        why.append(f.resultType()).append(" x").append(f.sessions());
                        if (!f.receivingMx().isEmpty()) why.append(" at ").append(f.receivingMx());
                    }
                    t.row(r.organization(), r.end(), p.domain(), p.type(), Long.toString(p.successful()), Long.toString(p.failed()),
                            why.isEmpty() ? "-" : why.toString());
                }
            }
            t.print(spec.commandLine().getOut());
        });
    }
}
