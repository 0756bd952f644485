package org.twinmail.server.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.twinmail.admin.AdminException;
import picocli.CommandLine.Option;

/**
 * Where a new password comes from: {@code --password} (convenient, but visible in the
 * process list), {@code --password-stdin} (first line of standard input, for scripts),
 * or a prompt on the terminal.
 */
final class PasswordInput {
    @Option(names = "--password", paramLabel = "PASSWORD", arity = "0..1", interactive = false,
            description = "The password (visible to other local users in the process list; prefer --password-stdin).")
    String password;

    @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
    boolean fromStdin;

    /** The password, or null when none was asked for and {@code required} is false. */
    char[] read(boolean required) {
        if (password != null) return password.toCharArray();
        if (fromStdin) {
            try {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (line == null || line.isEmpty()) throw new AdminException(AdminException.Kind.INVALID, "no password on standard input");
                return line.toCharArray();
            } catch (IOException e) {
                throw new AdminException(AdminException.Kind.INVALID, "cannot read the password: " + e.getMessage());
            }
        }
        if (!required) return null;
        java.io.Console console = System.console();
        if (console == null) {
            throw new AdminException(AdminException.Kind.INVALID, "a password is required: use --password or --password-stdin");
        }
        char[] first = console.readPassword("Password: ");
        char[] second = console.readPassword("Again: ");
        if (first == null || first.length == 0 || !java.util.Arrays.equals(first, second)) {
            throw new AdminException(AdminException.Kind.INVALID, "passwords empty or not the same");
        }
        return first;
    }
}
