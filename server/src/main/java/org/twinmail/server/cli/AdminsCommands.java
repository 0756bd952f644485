package org.twinmail.server.cli;

import java.util.List;
import org.twinmail.admin.AdminOperations.AdminCreated;
import org.twinmail.admin.AdminOperations.AdminInfo;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code twinmail admin admins ...}: the console's administrators (password + TOTP), kept in the store. */
@Command(name = "admins", mixinStandardHelpOptions = true,
        description = "Administrators of the admin console: global (everything) or domain (their domains only); password and TOTP.")
final class AdminsCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "List the administrators.")
    int list() {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("NAME", "ROLE", "DOMAINS", "ENABLED", "CREATED");
            for (AdminInfo a : ops.listAdmins()) {
                t.row(a.name(), a.role(), String.join(",", a.domains()), a.enabled() ? "yes" : "no", a.created());
            }
            t.print(spec.commandLine().getOut());
        });
    }

    @Command(name = "add", description = "Add an administrator; prints the TOTP secret and its otpauth:// URI (shown once: scan it into an authenticator app).")
    int add(@Parameters(paramLabel = "NAME") String name,
            @Option(names = "--role", required = true, paramLabel = "global|domain") String role,
            @Option(names = "--domain", paramLabel = "DOMAIN", split = ",", description = "a domain a domain administrator manages (repeat, or comma-separated)") List<String> domains,
            @ArgGroup(exclusive = true) PasswordInput password) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            AdminCreated a = ops.addAdmin(name, (password == null ? new PasswordInput() : password).read(true), role, domains);
            printCreated(a, "added");
        });
    }

    @Command(name = "update", description = "Change an administrator: password, role, domains, enabled; --new-totp makes a new TOTP secret.")
    int update(@Parameters(paramLabel = "NAME") String name,
               @Option(names = "--role", paramLabel = "global|domain") String role,
               @Option(names = "--domain", paramLabel = "DOMAIN", split = ",") List<String> domains,
               @Option(names = "--enabled", paramLabel = "true|false", arity = "1") Boolean enabled,
               @Option(names = "--new-totp") boolean newTotp,
               @ArgGroup(exclusive = true) PasswordInput password) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            AdminCreated a = ops.updateAdmin(name, password == null ? null : password.read(false), role, domains, enabled, newTotp);
            printCreated(a, "updated");
        });
    }

    @Command(name = "remove", description = "Remove an administrator (their console sessions end at their next request).")
    int remove(@Parameters(paramLabel = "NAME") String name) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            ops.removeAdmin(name);
            spec.commandLine().getOut().println("removed administrator " + name.strip());
        });
    }

    private void printCreated(AdminCreated a, String verb) {
        var out = spec.commandLine().getOut();
        out.println(verb + " administrator " + a.admin().name() + " (" + a.admin().role()
                + (a.admin().domains().isEmpty() ? "" : ": " + String.join(", ", a.admin().domains())) + ")");
        if (a.totpSecret() != null) {
            out.println("TOTP secret: " + a.totpSecret());
            out.println("TOTP URI:    " + a.totpUri());
        }
    }
}
