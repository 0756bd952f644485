package org.twinmail.imap.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.protocol.sasl.SaslMechanism;
import org.twinmail.protocol.sasl.SaslOutcome;
import org.twinmail.protocol.sasl.SaslServer;

/** Commands valid in any state (CAPABILITY, NOOP, LOGOUT, ID, ENABLE, NAMESPACE, CHECK) and login (LOGIN, AUTHENTICATE). */
public final class BasicCommands {
    private BasicCommands() {}

    static String capability(Context ctx, Request r) throws IOException, ImapSyntaxException {
        r.args().end();
        ctx.untagged("CAPABILITY " + String.join(" ", ctx.capabilities()));
        return "CAPABILITY completed";
    }

    static String noop(Context ctx, Request r) throws ImapSyntaxException {
        r.args().end();
        return r.display() + " completed";
    }

    static String logout(Context ctx, Request r) throws IOException, ImapSyntaxException {
        r.args().end();
        ctx.untagged("BYE TwinMail IMAP logging out");
        ctx.setLogout();
        return "LOGOUT completed";
    }

    /** RFC 2971: the client's list is read (and dropped); we name ourselves. */
    static String id(Context ctx, Request r) throws IOException, ImapSyntaxException {
        ArgReader a = r.args();
        if (a.peekWord("NIL")) {
            a.atom();
        } else {
            a.open();
            int n = 0;
            while (!a.peekIs(')')) {
                if (n++ > 0) a.sp();
                a.string();
                a.sp();
                a.nstring();
                if (n > 30) throw ImapSyntaxException.syntax("ID: more than 30 fields");
            }
            a.close();
        }
        a.end();
        ctx.untagged("ID (\"name\" \"TwinMail\" \"vendor\" \"TwinMail\")");
        return "ID completed";
    }

    /** RFC 5161: only extensions we implement are enabled (and IMAP4rev2, RFC 9051 6.3.1); others are ignored, as the RFC says. */
    static String enable(Context ctx, Request r) throws IOException, ImapSyntaxException {
        ArgReader a = r.args();
        List<String> newly = new ArrayList<>();
        do {
            String ext = a.atom().toUpperCase(Locale.ROOT);
            if (ext.equals("IMAP4REV2")) ext = "IMAP4rev2";
            if (List.of("CONDSTORE", "QRESYNC", "UTF8=ACCEPT", "IMAP4rev2", "UIDONLY").contains(ext) && ctx.enabled().add(ext)) newly.add(ext);
        } while (a.optionalSp());
        a.end();
        ctx.untagged("ENABLED" + (newly.isEmpty() ? "" : " " + String.join(" ", newly)));
        return "ENABLE completed";
    }

    /** RFC 8437: ends the login; the connection stays, in the not-authenticated state. */
    static String unauthenticate(Context ctx, Request r) throws ImapSyntaxException {
        r.args().end();
        ctx.unauthenticate();
        return "UNAUTHENTICATE completed";
    }

    static String namespace(Context ctx, Request r) throws IOException, ImapSyntaxException {
        r.args().end();
        ctx.untagged("NAMESPACE " + Namespaces.response());
        return "NAMESPACE completed";
    }

    static String login(Context ctx, Request r) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String user = a.astring();
        a.sp();
        char[] password = a.astring().toCharArray();
        a.end();
        if (!ctx.services().sasl().allowed(ctx.connection())) {
            java.util.Arrays.fill(password, '\0');
            throw new No("PRIVACYREQUIRED", "LOGIN is disabled on unencrypted connections");
        }
        // LOGIN is PLAIN without the base64: one code path checks passwords.
        String ir = java.util.Base64.getEncoder().encodeToString(("\0" + user + "\0" + new String(password))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        java.util.Arrays.fill(password, '\0');
        return finish(ctx, ctx.services().sasl().authenticate(new SaslMechanism.Plain(), ir, c -> null, ctx.connection()), "LOGIN");
    }

    static String authenticate(Context ctx, Request r, LineSource lines) throws IOException, ImapSyntaxException, No {
        ArgReader a = r.args();
        String name = a.atom();
        String initial = null;
        if (a.optionalSp()) initial = a.atom();
        a.end();
        Optional<SaslMechanism> mechanism = SaslServer.mechanism(name);
        if (mechanism.isEmpty() || !mechanism.get().name().equals("PLAIN")) {
            throw new No("CANNOT", "unsupported authentication mechanism");
        }
        if (!ctx.services().sasl().allowed(ctx.connection())) throw new No("PRIVACYREQUIRED", "authentication needs an encrypted connection");
        SaslOutcome outcome = ctx.services().sasl().authenticate(mechanism.get(), initial, challenge -> {
            ctx.connection().writeLine("+ " + challenge);
            ctx.flush();
            return lines.next();
        }, ctx.connection());
        return finish(ctx, outcome, "AUTHENTICATE");
    }

    /** Where AUTHENTICATE reads the client's answers: the session's line reader (null when the client is gone). */
    @FunctionalInterface
    public interface LineSource {
        String next() throws IOException;
    }

    private static String finish(Context ctx, SaslOutcome outcome, String what) throws IOException, No, ImapSyntaxException {
        switch (outcome) {
            case SaslOutcome.Success s -> {
                ctx.services().metrics().login(true);
                ctx.loggedIn(s.user());
                return "[CAPABILITY " + String.join(" ", ctx.capabilities()) + "] " + what + " completed";
            }
            case SaslOutcome.Failure f -> {
                ctx.services().metrics().login(false);
                ctx.sessionLog().count("authfail", 1);
                if (ctx.services().sasl().tooManyFailures(ctx.connection())) {
                    // auth.maxFailuresPerConnection: the session ends after this reply
                    ctx.untagged("BYE too many failed logins");
                    ctx.sessionLog().outcome("too-many-auth-failures");
                    ctx.setLogout();
                }
                throw new No("AUTHENTICATIONFAILED", "invalid credentials");
            }
            case SaslOutcome.Unavailable u -> throw new No("UNAVAILABLE", "authentication is temporarily unavailable");
            case SaslOutcome.Cancelled c -> throw ImapSyntaxException.syntax("authentication cancelled");
            case SaslOutcome.Malformed m -> throw ImapSyntaxException.syntax("malformed authentication response: " + m.reason());
            case SaslOutcome.Disconnected d -> throw new java.io.EOFException("client left during authentication");
        }
    }
}
