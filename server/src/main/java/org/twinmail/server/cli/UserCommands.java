package org.twinmail.server.cli;

import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations;
import org.twinmail.admin.AdminOperations.ForwardingInfo;
import org.twinmail.admin.AdminOperations.Grant;
import org.twinmail.admin.AdminOperations.MailboxGrants;
import org.twinmail.admin.AdminOperations.SharingInfo;
import org.twinmail.admin.AdminOperations.UserInfo;
import org.twinmail.core.mail.ByteSize;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "user", mixinStandardHelpOptions = true, description = "Add, change, list and remove mail accounts.")
final class UserCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "add", description = "Create an account with its INBOX, Sent, Drafts, Trash and Junk.")
    int add(@Parameters(paramLabel = "ADDRESS") String address,
            @ArgGroup(exclusive = true) PasswordInput password,
            @Option(names = "--quota", paramLabel = "SIZE", converter = SizeConverter.class, description = "Storage quota (e.g. 2G); default unlimited.") Long quota,
            @Option(names = "--max-message", paramLabel = "SIZE", converter = SizeConverter.class, description = "Largest message accepted (e.g. 25M); default the server's limit.") Long maxMessage) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            char[] pw = (password == null ? new PasswordInput() : password).read(true);
            UserInfo u = ops.addUser(address, pw, quota == null ? 0 : quota, maxMessage == null ? 0 : maxMessage);
            out().println("added user " + u.address() + " (quota " + ByteSize.format(u.quotaBytes(), true)
                    + ", max message " + (u.maxMessageBytes() == 0 ? "server limit" : ByteSize.format(u.maxMessageBytes(), false)) + ")");
        });
    }

    @Command(name = "passwd", description = "Set an account's password.")
    int passwd(@Parameters(paramLabel = "ADDRESS") String address,
               @ArgGroup(exclusive = true) PasswordInput password) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            char[] pw = (password == null ? new PasswordInput() : password).read(true);
            UserInfo u = ops.updateUser(address, pw, null, null);
            out().println("password of " + u.address() + " changed");
        });
    }

    @Command(name = "set", description = "Change an account's quota, message size limit or message-count limit.")
    int set(@Parameters(paramLabel = "ADDRESS") String address,
            @Option(names = "--quota", paramLabel = "SIZE", converter = SizeConverter.class, description = "Storage quota, 0 = unlimited.") Long quota,
            @Option(names = "--max-message", paramLabel = "SIZE", converter = SizeConverter.class, description = "Largest message, 0 = the server's limit.") Long maxMessage,
            @Option(names = "--max-messages", paramLabel = "N", description = "Most messages in the account, 0 = unlimited.") Long maxMessages) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            if (quota == null && maxMessage == null && maxMessages == null) {
                throw new AdminException(AdminException.Kind.INVALID, "nothing to change: give --quota, --max-message and/or --max-messages");
            }
            UserInfo u = ops.updateUser(address, null, quota, maxMessage, maxMessages);
            out().println("user " + u.address() + ": quota " + ByteSize.format(u.quotaBytes(), true)
                    + ", max message " + (u.maxMessageBytes() == 0 ? "server limit" : ByteSize.format(u.maxMessageBytes(), false))
                    + ", max messages " + DomainCommands.messages(u.maxMessages()));
        });
    }

    @Command(name = "list", description = "List accounts with quota and usage.")
    int list(@Parameters(paramLabel = "DOMAIN", arity = "0..1") String domain) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            Table t = new Table("USER", "QUOTA", "USED", "MESSAGES", "MAX-MESSAGES", "MAX-MESSAGE", "STATE");
            for (UserInfo u : ops.listUsers(domain)) {
                t.row(u.address(), ByteSize.format(u.quotaBytes(), true), ByteSize.format(u.usedBytes(), false),
                        Long.toString(u.messages()), DomainCommands.messages(u.maxMessages()),
                        u.maxMessageBytes() == 0 ? "server" : ByteSize.format(u.maxMessageBytes(), false), u.enabled() ? "enabled" : "DISABLED");
            }
            t.print(out());
        });
    }

    @Command(name = "forward", description = {"Show or set where an account's mail is forwarded (with SRS, docs/sieve.md).",
            "No option: show it. --to ADDRESS (repeatable): forward there; --no-copy: keep no copy in the account; --off: stop."})
    int forward(@Parameters(paramLabel = "ADDRESS") String address,
                @Option(names = "--to", paramLabel = "TARGET", description = "Forward to this address (repeat for several, at most 16).") java.util.List<String> to,
                @Option(names = "--no-copy", description = "Keep no copy in the account (default: keep one).") boolean noCopy,
                @Option(names = "--off", description = "Stop forwarding.") boolean off) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            if (off && to != null) throw new AdminException(AdminException.Kind.INVALID, "--off and --to exclude each other");
            if (off) {
                ops.removeForwarding(address);
                out().println("forwarding of " + address + " stopped");
                return;
            }
            if (to == null && noCopy) throw new AdminException(AdminException.Kind.INVALID, "--no-copy needs --to");
            ForwardingInfo f = to == null ? ops.forwarding(address) : ops.setForwarding(address, to, !noCopy);
            if (f.to().isEmpty()) out().println(f.address() + " is not forwarded");
            else out().println(f.address() + " forwarded to " + String.join(", ", f.to()) + (f.keepCopy() ? ", a copy kept" : ", no copy kept"));
        });
    }

    @Command(name = "spam-level", description = {"Show or set an account's own spam level (docs/filter.md, \"Content score\"): the content score's",
            "Junk and tag thresholds for its mail. LEVEL: off, lenient, normal (the server's thresholds), strict, or a score from",
            "0 to 100 from which its mail goes to Junk. No LEVEL: show it."})
    int spamLevel(@Parameters(paramLabel = "ADDRESS") String address,
                  @Parameters(paramLabel = "LEVEL", arity = "0..1") String level) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            AdminOperations.SpamLevelInfo l = level == null ? ops.spamLevel(address) : ops.setSpamLevel(address, level);
            out().println(l.address() + " spam level " + l.level());
        });
    }

    @Command(name = "share", description = {"Show or set whether an account is a shared account of its domain (sales@: IMAP shows its",
            "mailboxes under #shared/, docs/imap.md), with who has rights on its mailboxes. No option: show it."})
    int share(@Parameters(paramLabel = "ADDRESS") String address,
              @Option(names = "--on", description = "Mark it shared.") boolean on,
              @Option(names = "--off", description = "Take the mark away (the rights given stay).") boolean off) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            if (on && off) throw new AdminException(AdminException.Kind.INVALID, "--on and --off exclude each other");
            print(on || off ? ops.setShared(address, on) : ops.sharing(address));
        });
    }

    @Command(name = "grant", description = {"Give IDENTIFIER exactly RIGHTS (RFC 4314 letters lrswipkxtea) on one of the account's mailboxes.",
            "IDENTIFIER: user@domain, anyone@domain (every account of that domain) or anyone. Example: grant sales@example.org anyone@example.org lrs"})
    int grant(@Parameters(index = "0", paramLabel = "ADDRESS") String address,
              @Parameters(index = "1", paramLabel = "IDENTIFIER") String identifier,
              @Parameters(index = "2", paramLabel = "RIGHTS") String rights,
              @Option(names = "--mailbox", paramLabel = "NAME", description = "The mailbox (default INBOX).") String mailbox) {
        return admin.run(spec.commandLine().getErr(), ops -> print(ops.grant(address, mailbox, identifier, rights)));
    }

    @Command(name = "revoke", description = "Remove IDENTIFIER's rights on one of the account's mailboxes.")
    int revoke(@Parameters(index = "0", paramLabel = "ADDRESS") String address,
               @Parameters(index = "1", paramLabel = "IDENTIFIER") String identifier,
               @Option(names = "--mailbox", paramLabel = "NAME", description = "The mailbox (default INBOX).") String mailbox) {
        return admin.run(spec.commandLine().getErr(), ops -> print(ops.revoke(address, mailbox, identifier)));
    }

    private void print(SharingInfo s) {
        out().println(s.address() + (s.shared() ? " is a shared account of its domain" : " is not a shared account"));
        for (MailboxGrants m : s.mailboxes()) {
            for (Grant g : m.grants()) out().println("  " + m.mailbox() + ": " + g.identifier() + " " + g.rights());
        }
    }

    @Command(name = "export", description = {"Write the accounts (of DOMAIN, or all) as CSV to standard output:",
            "address,password,quota,max_message,max_messages,enabled,used_bytes,messages (passwords are never exported)."})
    int export(@Parameters(paramLabel = "DOMAIN", arity = "0..1") String domain) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            out().print(ops.exportUsers(domain));
            out().flush();
        });
    }

    @Command(name = "import", description = {"Create or change accounts from a CSV file (the export's columns, any order; a new account",
            "needs a password). Each row's outcome is printed; exit 0 only when every row worked."})
    int importUsers(@Parameters(paramLabel = "FILE", description = "The CSV file, UTF-8; - for standard input.") String file,
                    @Option(names = "--domain", paramLabel = "DOMAIN", description = "Every row must be in this domain.") String domain) {
        int[] failed = {0};
        int code = admin.run(spec.commandLine().getErr(), ops -> {
            String csv;
            try {
                csv = file.equals("-") ? new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                        : java.nio.file.Files.readString(java.nio.file.Path.of(file));
            } catch (java.io.IOException e) {
                throw new AdminException(AdminException.Kind.INVALID, "cannot read " + file + ": " + e.getMessage());
            }
            var r = ops.importUsers(csv, domain);
            Table t = new Table("LINE", "ADDRESS", "OUTCOME", "ERROR");
            for (var row : r.rows()) t.row(Integer.toString(row.line()), row.address() == null ? "" : row.address(), row.outcome(),
                    row.error() == null ? "" : row.error());
            t.print(out());
            out().println(r.created() + " created, " + r.updated() + " changed, " + r.failed() + " failed");
            failed[0] = r.failed();
        });
        return code == 0 && failed[0] > 0 ? ExitCodes.USAGE : code;
    }

    @Command(name = "disable", description = {"Stop an account without removing it: no login on any protocol,",
            "mail to it refused at RCPT (550 5.2.1); its mail is kept."})
    int disable(@Parameters(paramLabel = "ADDRESS") String address) {
        return admin.run(spec.commandLine().getErr(), ops -> out().println("disabled " + ops.setUserEnabled(address, false).address()));
    }

    @Command(name = "enable", description = "Let a disabled account log in and receive mail again.")
    int enable(@Parameters(paramLabel = "ADDRESS") String address) {
        return admin.run(spec.commandLine().getErr(), ops -> out().println("enabled " + ops.setUserEnabled(address, true).address()));
    }

    @Command(name = "app-password", description = {"An account's app passwords: add ADDRESS NAME (prints it, once), list ADDRESS,",
            "remove ADDRESS NAME. One logs in on IMAP, POP3, SMTP AUTH and JMAP beside the password."})
    int appPassword(@Parameters(index = "0", paramLabel = "add|list|remove") String action,
                    @Parameters(index = "1", paramLabel = "ADDRESS") String address,
                    @Parameters(index = "2", paramLabel = "NAME", arity = "0..1") String name) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            switch (action) {
                case "add" -> {
                    if (name == null) throw new AdminException(AdminException.Kind.INVALID, "add needs a NAME (what the password is for)");
                    var c = ops.addAppPassword(address, name);
                    out().println("app password \"" + c.name() + "\" for " + c.address() + " (shown once): " + c.password());
                }
                case "list" -> {
                    Table t = new Table("NAME", "MADE");
                    for (var p : ops.appPasswords(address)) t.row(p.name(), p.created());
                    t.print(out());
                }
                case "remove" -> {
                    if (name == null) throw new AdminException(AdminException.Kind.INVALID, "remove needs the NAME of the app password");
                    ops.removeAppPassword(address, name);
                    out().println("revoked app password \"" + name + "\" of " + address);
                }
                default -> throw new AdminException(AdminException.Kind.INVALID, "not an action: " + action + " (add, list, remove)");
            }
        });
    }

    @Command(name = "remove", description = "Delete an account and all its mail.")
    int remove(@Parameters(paramLabel = "ADDRESS") String address) {
        return admin.run(spec.commandLine().getErr(), ops -> {
            ops.removeUser(address);
            out().println("removed user " + address);
        });
    }

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
