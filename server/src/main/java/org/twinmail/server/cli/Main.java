package org.twinmail.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code twinmail}: the one program, with {@code serve} and {@code admin}. */
@Command(name = "twinmail", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "TwinMail mail server.",
        subcommands = {ServeCommand.class, SuperviseCommand.class, AdminCommand.class, ClusterCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        // Admin commands print results, not server logs: quiet logging before any logger exists.
        if (args.length > 0 && !args[0].equals("serve") && !args[0].equals("supervise") && System.getProperty("twinmail.log.level") == null) {
            System.setProperty("twinmail.log.level", "WARN");
        }
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parse) -> {
            cmd.getErr().println("twinmail: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return ExitCodes.SOFTWARE;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"TwinMail " + (v == null ? "dev" : v)};
        }
    }
}
