package org.twinmail.server.cli;

import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations.DomainInfo;
import org.twinmail.core.mail.ByteSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "domain", mixinStandardHelpOptions = true, description = "Add, list and remove mail domains; set a domain's quota.")
final class DomainCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "add", description = "Serve mail for a new domain.")
    int add(@Parameters(paramLabel = "DOMAIN") String name,
            @Option(names = "--quota", paramLabel = "SIZE", converter = SizeConverter.class, description = "Total storage for the domain (e.g. 100G); default unlimited.") Long quota) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            DomainInfo d = ops.addDomain(name);
            if (quota != null) d = ops.setDomainQuota(d.name(), quota);
            out().println("added domain " + d.name() + (d.quotaBytes() > 0 ? " (quota " + ByteSize.format(d.quotaBytes(), true) + ")" : ""));
            out().println(ops.postmaster(d.name()).description());
        });
    }

    @Command(name = "postmaster", description = "Say where mail for postmaster@DOMAIN goes (always accepted, RFC 5321 4.5.1).")
    int postmaster(@Parameters(paramLabel = "DOMAIN") String name) {
        return admin.run(spec.commandLine().getErr(), ops -> out().println(ops.postmaster(name).description()));
    }

    @Command(name = "dns", description = "Print the DNS records DOMAIN should publish (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, "
            + "client SRV records, autoconfiguration) as a zone-file fragment, written from this server's settings (clients.* in the configuration).")
    int dns(@Parameters(paramLabel = "DOMAIN") String name) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            var info = ops.domainDns(name);
            out().println("; DNS records for " + info.domain() + " (TTL in seconds; publish them in the domain's zone)");
            for (var r : info.records()) {
                out().println("; " + r.purpose());
                out().println(r.zoneLine());
            }
            for (String note : info.notes()) out().println("; note: " + note);
        });
    }

    @Command(name = "list", description = "List domains with quota and usage.")
    int list() {
        return admin.run(spec.commandLine().getErr(), ops -> {
            var rows = ops.listDomains();
            Table t = new Table("DOMAIN", "QUOTA", "USED", "MESSAGES", "MAX-MESSAGES");
            rows.forEach(d -> t.row(d.name(), ByteSize.format(d.quotaBytes(), true), ByteSize.format(d.usedBytes(), false),
                    Long.toString(d.messages()), messages(d.maxMessages())));
            t.print(out());
        });
    }

    @Command(name = "remove", description = "Stop serving a domain (refused while it has users or aliases, unless --force, which deletes them and their mail).")
    int remove(@Parameters(paramLabel = "DOMAIN") String name,
               @Option(names = "--force", description = "Also delete the domain's users, aliases and mail.") boolean force) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            ops.removeDomain(name, force);
            out().println("removed domain " + name.toLowerCase(java.util.Locale.ROOT));
        });
    }

    @Command(name = "quota", description = "Set a domain's total storage quota and/or its message-count limit (0 = unlimited).")
    int quota(@Parameters(paramLabel = "DOMAIN") String name,
              @Parameters(paramLabel = "SIZE", arity = "0..1", converter = SizeConverter.class, description = "Total storage (e.g. 100G).") Long size,
              @Option(names = "--max-messages", paramLabel = "N", description = "Most messages in all the domain's accounts.") Long maxMessages) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            if (size == null && maxMessages == null) {
                throw new AdminException(AdminException.Kind.INVALID, "nothing to change: give a SIZE and/or --max-messages");
            }
            DomainInfo d = null;
            if (size != null) d = ops.setDomainQuota(name, size);
            if (maxMessages != null) d = ops.setDomainMessageLimit(name, maxMessages);
            out().println("domain " + d.name() + " quota " + ByteSize.format(d.quotaBytes(), true)
                    + ", max messages " + messages(d.maxMessages()));
        });
    }

    static String messages(long limit) {
        return limit == 0 ? "unlimited" : Long.toString(limit);
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
