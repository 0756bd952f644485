package org.twinmail.server.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations.SieveScriptInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "sieve", mixinStandardHelpOptions = true,
        description = {"The administrator's global Sieve scripts (docs/sieve.md): \"before\" scripts run ahead of every user's script,",
                "\"after\" scripts when the user's script kept the message; each phase in name order."})
final class SieveCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "list", description = "List the global scripts in the order they run.")
    int list() {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("PHASE", "NAME", "SIZE");
            ops.listSieveScripts().forEach(s -> t.row(s.phase(), s.name(), Integer.toString(s.size())));
            t.print(out());
        });
    }

    @Command(name = "show", description = "Print a global script.")
    int show(@Parameters(index = "0", paramLabel = "PHASE", description = "before or after") String phase,
             @Parameters(index = "1", paramLabel = "NAME") String name) {
        return admin.run(spec.commandLine().getErr(), ops -> out().print(ops.sieveScript(phase, name).script()));
    }

    @Command(name = "put", description = "Store a global script from FILE (\"-\": standard input); refused if it does not compile.")
    int put(@Parameters(index = "0", paramLabel = "PHASE", description = "before or after") String phase,
            @Parameters(index = "1", paramLabel = "NAME") String name,
            @Parameters(index = "2", paramLabel = "FILE") String file) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            String text;
            try {
                text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                        : Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new AdminException(AdminException.Kind.INVALID, "cannot read " + file + ": " + e.getMessage());
            }
            SieveScriptInfo s = ops.putSieveScript(phase, name, text);
            out().println("global " + s.phase() + " script " + s.name() + " stored (" + s.size() + " octets)");
        });
    }

    @Command(name = "remove", description = "Remove a global script.")
    int remove(@Parameters(index = "0", paramLabel = "PHASE", description = "before or after") String phase,
               @Parameters(index = "1", paramLabel = "NAME") String name) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            ops.removeSieveScript(phase, name);
            out().println("removed global " + phase + " script " + name);
        });
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
