package org.twinmail.server.cli;

import java.util.List;
import org.twinmail.admin.AdminOperations.AliasInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "alias", mixinStandardHelpOptions = true,
        description = "Add, list and remove aliases: user@domain or @domain (catch-all) to one or more addresses.")
final class AliasCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "add", description = "Deliver mail for SOURCE to every TARGET (replaces an existing alias).")
    int add(@Parameters(index = "0", paramLabel = "SOURCE", description = "user@domain, or @domain for the catch-all") String source,
            @Parameters(index = "1..*", arity = "1..*", paramLabel = "TARGET") List<String> targets) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            AliasInfo a = ops.addAlias(source, targets);
            out().println("alias " + a.source() + " -> " + String.join(", ", a.targets()));
        });
    }

    @Command(name = "list", description = "List aliases.")
    int list(@Parameters(paramLabel = "DOMAIN", arity = "0..1") String domain) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("ALIAS", "TARGETS");
            ops.listAliases(domain).forEach(a -> t.row(a.source(), String.join(", ", a.targets())));
            t.print(out());
        });
    }

    @Command(name = "remove", description = "Remove an alias.")
    int remove(@Parameters(paramLabel = "SOURCE") String source) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            ops.removeAlias(source);
            out().println("removed alias " + source);
        });
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
