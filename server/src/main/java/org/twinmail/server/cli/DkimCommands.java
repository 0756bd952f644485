package org.twinmail.server.cli;

import org.twinmail.admin.AdminOperations.DkimInfo;
import org.twinmail.mail.dkim.DkimKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code twinmail admin dkim}: a domain's DKIM signing key. The output is a zone-file fragment:
 * comment lines (";") saying where the key is, then the TXT record to publish, so it can be
 * appended to a zone file as it stands.
 */
@Command(name = "dkim", mixinStandardHelpOptions = true, description = "DKIM signing keys of the domains (docs/relay.md).")
final class DkimCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "generate", description = "Generate a domain's DKIM key (RSA, kept mode 0600 in <data>/dkim) and print the DNS TXT record to publish. "
            + "An existing key is never replaced: to change keys, use a new --selector.")
    int generate(@Parameters(paramLabel = "DOMAIN") String domain,
                 @Option(names = "--selector", paramLabel = "S", description = "Selector (default: the domain's in relay.dkim.domains, else relay.dkim.selector).") String selector,
                 @Option(names = "--bits", paramLabel = "N", defaultValue = "" + DkimKeys.DEFAULT_BITS,
                         description = "RSA key size, " + DkimKeys.MIN_BITS + " to " + DkimKeys.MAX_BITS + " (default ${DEFAULT-VALUE}).") int bits) {
        return admin.run(spec.commandLine().getErr(), ops -> print(ops.generateDkimKey(domain, selector, bits), "generated"));
    }

    @Command(name = "show", description = "Print the DNS TXT record of the key a domain signs with.")
    int show(@Parameters(paramLabel = "DOMAIN") String domain) {
        return admin.run(spec.commandLine().getErr(), ops -> print(ops.showDkimKey(domain), "key"));
    }

    private void print(DkimInfo k, String what) {
        var out = spec.commandLine().getOut();
        out.println("; " + k.domain() + ": " + what + " " + k.bits() + "-bit RSA key, selector " + k.selector() + ", in " + k.keyFile());
        if (!k.signing()) {
            out.println("; not signing with it yet: publish the record, then set selector " + k.selector()
                    + " for " + k.domain() + " in relay.dkim.domains");
        }
        out.println(k.record());
    }
}
