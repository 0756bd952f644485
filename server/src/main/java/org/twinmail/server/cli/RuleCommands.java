package org.twinmail.server.cli;

import java.time.Instant;
import org.twinmail.admin.AdminOperations.RuleInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "rule", mixinStandardHelpOptions = true,
        description = "The administrator's IP and sender rules; each takes effect at once, without a restart.",
        subcommands = {RuleCommands.Ip.class, RuleCommands.Sender.class})
final class RuleCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "List every rule (IP rules, then sender rules).")
    int list() {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("TYPE", "MATCH", "ACTION", "SCOPE", "EXPIRES", "COMMENT");
            for (RuleInfo r : ops.listRules()) {
                t.row(r.type(), r.match(), r.action(), r.scope().isEmpty() ? "*" : r.scope(),
                        r.expires() == null ? "never" : r.expires() + (r.expired() ? " (expired)" : ""), r.comment());
            }
            t.print(spec.commandLine().getOut());
        });
    }

    static String line(RuleInfo r) {
        return r.type() + " rule " + r.match() + " " + r.action() + (r.scope().isEmpty() ? "" : " for " + r.scope())
                + (r.expires() == null ? "" : " until " + r.expires());
    }

    @Command(name = "ip", mixinStandardHelpOptions = true, description = "Allow or deny clients by address or CIDR range (IPv4, IPv6), at connect.")
    static final class Ip {
        @ParentCommand
        RuleCommands rules;

        @Spec
        CommandSpec spec;

        @Command(name = "add", description = "Allow (skip the connect checks) or deny (554 5.7.1) an address or range; replaces its rule.")
        int add(@Parameters(index = "0", paramLabel = "RANGE", description = "192.0.2.7, 192.0.2.0/24, 2001:db8::/32") String range,
                @Parameters(index = "1", paramLabel = "ACTION", description = "allow or deny") String action,
                @Option(names = "--expires", paramLabel = "WHEN", converter = ExpiryConverter.class, description = "2h, 7d, or 2026-12-31T00:00:00Z; default never") Instant expires,
                @Option(names = "--comment", paramLabel = "TEXT") String comment) {
            return rules.admin.run(spec.commandLine().getErr(), ops -> spec.commandLine().getOut().println(
                    "added " + line(ops.addIpRule(range, action, comment, expires))));
        }

        @Command(name = "remove", description = "Remove the rule of an address or range.")
        int remove(@Parameters(paramLabel = "RANGE") String range) {
            return rules.admin.run(spec.commandLine().getErr(), ops -> {
                ops.removeIpRule(range);
                spec.commandLine().getOut().println("removed ip rule " + range);
            });
        }
    }

    @Command(name = "sender", mixinStandardHelpOptions = true,
            description = "Act on mail by its sender (envelope sender and header From): globally, for a domain or for one user.")
    static final class Sender {
        @ParentCommand
        RuleCommands rules;

        @Spec
        CommandSpec spec;

        @Command(name = "add", description = "Accept, reject, quarantine, junk or tag mail from PATTERN; replaces the rule of the same pattern and scope.")
        int add(@Parameters(index = "0", paramLabel = "PATTERN", description = "alice@spam.example, spam.example, *@spam.example, *.example") String pattern,
                @Parameters(index = "1", paramLabel = "ACTION", description = "accept, reject, quarantine, junk or tag") String action,
                @Option(names = "--for", paramLabel = "DOMAIN|USER", description = "only for this local domain or user; default every recipient") String scope,
                @Option(names = "--expires", paramLabel = "WHEN", converter = ExpiryConverter.class, description = "2h, 7d, or 2026-12-31T00:00:00Z; default never") Instant expires,
                @Option(names = "--comment", paramLabel = "TEXT") String comment) {
            return rules.admin.run(spec.commandLine().getErr(), ops -> spec.commandLine().getOut().println(
                    "added " + line(ops.addSenderRule(pattern, action, scope, comment, expires))));
        }

        @Command(name = "remove", description = "Remove a sender rule.")
        int remove(@Parameters(paramLabel = "PATTERN") String pattern,
                   @Option(names = "--for", paramLabel = "DOMAIN|USER", description = "the rule's domain or user; default the global rule") String scope) {
            return rules.admin.run(spec.commandLine().getErr(), ops -> {
                ops.removeSenderRule(pattern, scope);
                spec.commandLine().getOut().println("removed sender rule " + pattern + (scope == null ? "" : " for " + scope));
            });
        }
    }
}
