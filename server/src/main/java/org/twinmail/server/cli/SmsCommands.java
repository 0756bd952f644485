package org.twinmail.server.cli;

import java.util.List;
import org.twinmail.admin.AdminOperations.SmsChange;
import org.twinmail.admin.AdminOperations.SmsInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "sms", mixinStandardHelpOptions = true,
        description = "Users' new-mail notices by SMS (docs/sms.md): the phone number, its verification, what notifies and when.")
final class SmsCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "show", description = "Show a user's SMS settings.")
    int show(@Parameters(paramLabel = "USER") String user) {
        return admin.run(spec.commandLine().getErr(), ops -> print(ops.smsSettings(user)));
    }

    @Command(name = "set", description = "Change a user's SMS settings (only the options given). A new phone number gets a code by SMS; "
            + "no notice goes out before `sms verify`.")
    int set(@Parameters(paramLabel = "USER") String user,
            @Option(names = "--phone", paramLabel = "E164", description = "+8613800138000; \"\" removes the number") String phone,
            @Option(names = "--on", description = "send notices") boolean on,
            @Option(names = "--off", description = "send none") boolean off,
            @Option(names = "--trigger", paramLabel = "WHICH", description = "all, senders, important or alias") String trigger,
            @Option(names = "--sender", paramLabel = "ADDRESS|DOMAIN", description = "for --trigger senders; repeat for more") List<String> senders,
            @Option(names = "--alias", paramLabel = "ADDRESS", description = "for --trigger alias") String alias,
            @Option(names = "--quiet", paramLabel = "HH:MM-HH:MM", description = "quiet hours in the user's zone; \"\" for none") String quiet,
            @Option(names = "--zone", paramLabel = "ZONE", description = "the user's time zone: Asia/Shanghai, Europe/Paris") String zone,
            @Option(names = "--daily-cap", paramLabel = "N", description = "notices per day at most; 0 for no cap") Integer cap,
            @Option(names = "--language", paramLabel = "LANG", description = "en or zh") String language) {
        if (on && off) {
            spec.commandLine().getErr().println("error: --on and --off together");
            return ExitCodes.USAGE;
        }
        Boolean enabled = on ? Boolean.TRUE : off ? Boolean.FALSE : null;
        return admin.run(spec.commandLine().getErr(), ops -> print(ops.setSms(user,
                new SmsChange(phone, enabled, trigger, senders, alias, quiet, zone, cap, language))));
    }

    @Command(name = "verify", description = "Confirm a user's phone number with the code sent to it.")
    int verify(@Parameters(index = "0", paramLabel = "USER") String user, @Parameters(index = "1", paramLabel = "CODE") String code) {
        return admin.run(spec.commandLine().getErr(), ops -> print(ops.verifySms(user, code)));
    }

    @Command(name = "send-code", description = "Send a new code to a user's unverified phone number.")
    int sendCode(@Parameters(paramLabel = "USER") String user) {
        return admin.run(spec.commandLine().getErr(), ops -> print(ops.resendSmsCode(user)));
    }

    private void print(SmsInfo s) {
        var out = spec.commandLine().getOut();
        out.println("user:        " + s.user());
        out.println("phone:       " + (s.phone().isEmpty() ? "none" : s.phone() + (s.verified() ? " (verified)" : " (not verified: code sent, `sms verify`)")));
        out.println("notices:     " + (s.enabled() ? "on" : "off"));
        out.println("trigger:     " + s.trigger() + switch (s.trigger()) {
            case "senders" -> " " + String.join(", ", s.senders());
            case "alias" -> " " + s.alias();
            default -> "";
        });
        out.println("quiet hours: " + (s.quietHours().isEmpty() ? "none" : s.quietHours()));
        out.println("zone:        " + s.zone());
        out.println("daily cap:   " + (s.dailyCap() == 0 ? "none" : s.dailyCap()));
        out.println("language:    " + s.language());
    }
}
