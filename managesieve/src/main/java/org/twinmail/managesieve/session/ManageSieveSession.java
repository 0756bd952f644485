package org.twinmail.managesieve.session;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.filter.sieve.SieveScripts;
import org.twinmail.managesieve.command.Command;
import org.twinmail.managesieve.command.CommandParser;
import org.twinmail.managesieve.command.ParseException;
import org.twinmail.managesieve.command.Segment;
import org.twinmail.protocol.io.LineInput;
import org.twinmail.protocol.log.SessionLog;
import org.twinmail.protocol.net.Connection;
import org.twinmail.protocol.sasl.SaslMechanism;
import org.twinmail.protocol.sasl.SaslOutcome;
import org.twinmail.protocol.sasl.SaslServer;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.sieve.Extensions;
import org.twinmail.sieve.SieveException;
import org.twinmail.sieve.script.Grammar;
import org.twinmail.store.StoreException;

/**
 * One ManageSieve connection (RFC 5804), top to bottom on its own virtual thread: the
 * capabilities, then commands until LOGOUT, a timeout or too many errors; one session log line.
 */
public final class ManageSieveSession {
    private static final Logger log = LoggerFactory.getLogger(ManageSieveSession.class);
    /** RFC 5804 1.6 leaves the length to the server; 128 characters is Dovecot's limit too. */
    static final int MAX_NAME = 128;

    /**
     * What every session shares.
     *
     * @param maxLineLength  longest command line, literals not counted
     * @param maxScriptBytes largest script (PUTSCRIPT, CHECKSCRIPT, HAVESPACE), also the largest literal
     * @param maxScripts     scripts per account
     * @param maxRedirects   announced as MAXREDIRECTS (the delivery's limit)
     */
    public record Services(SaslServer sasl, Tls tls, SieveScripts scripts, int maxLineLength, int maxScriptBytes, int maxScripts,
                           int maxErrors, int maxRedirects, java.time.Duration commandTimeout) { }

    private final Connection connection;
    private final Services services;
    private final SessionLog sessionLog;
    private AuthenticatedUser user;
    private int errors;

    public ManageSieveSession(Connection connection, Services services) {
        this.connection = connection;
        this.services = services;
        this.sessionLog = new SessionLog("managesieve", connection.remote());
        if (connection.isSecure()) sessionLog.field("tls", connection.tlsDescription());
    }

    /** The session ends. */
    private static final class End extends Exception {
        End() {
            super(null, null, false, false);
        }
    }

    public void run() throws IOException {
        try {
            connection.setReadTimeout(services.commandTimeout());
            capabilities();
            ok(null, "TwinMail ManageSieve ready");
            while (true) serve(read());
        } catch (End e) {
            // LOGOUT, too many errors, an oversized literal
        } catch (SocketTimeoutException e) {
            sessionLog.outcome("timeout");
            quietly("BYE \"Idle for too long\"");
        } catch (EOFException e) {
            sessionLog.outcome("eof");
        } catch (IOException e) {
            sessionLog.outcome("disconnected");
        } catch (RuntimeException e) {
            sessionLog.outcome("error");
            throw e;
        } finally {
            try {
                connection.flush();
            } catch (IOException ignored) {
                // the client is gone
            }
            sessionLog.field("errors", Integer.toString(errors));
            sessionLog.finish(connection.bytesIn(), connection.bytesOut());
        }
    }

    /** One command's segments: its line(s) and the literals they announce. */
    private List<Segment> read() throws IOException, End {
        List<Segment> segments = new ArrayList<>();
        while (true) {
            if (!connection.input().hasBuffered()) connection.flush();
            LineInput.Line line = connection.input().readLine(services.maxLineLength());
            if (line == null || line.ending() == LineInput.Ending.EOF) throw new EOFException("client left");
            if (line.tooLong()) {
                bye("Line too long");
                connection.lingerOnClose();
                throw new End();
            }
            String text = line.utf8();
            segments.add(new Segment.Text(text));
            long length = CommandParser.literalLength(text);
            if (length < 0) return segments;
            if (length > services.maxScriptBytes()) {
                // Refused before a byte of it is read: the session cannot go on in step, so it ends.
                bye("(QUOTA/MAXSIZE) Literal larger than " + services.maxScriptBytes() + " octets");
                connection.lingerOnClose();
                sessionLog.outcome("literal-too-large");
                throw new End();
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream((int) length);
            connection.input().readExactly(length, b);
            segments.add(new Segment.Literal(b.toByteArray()));
        }
    }

    private void serve(List<Segment> segments) throws IOException, End {
        Command command;
        try {
            command = CommandParser.parse(segments);
        } catch (ParseException e) {
            no(null, e.getMessage());
            return;
        }
        boolean authenticated = user != null;
        switch (command) {
            case Command.Capability c -> {
                capabilities();
                ok(null, "Capability completed");
            }
            case Command.Noop n -> ok(n.tag() == null ? null : "TAG " + quoted(n.tag()), "Done");
            case Command.Logout l -> {
                ok(null, "Logout completed");
                sessionLog.outcome("logout");
                throw new End();
            }
            case Command.StartTls s -> startTls();
            case Command.Authenticate a -> {
                if (authenticated) no(null, "Already authenticated");
                else authenticate(a);
            }
            case Command.Unauthenticate u -> {
                if (!authenticated) {
                    no(null, "Not authenticated");
                } else {
                    user = null;
                    ok(null, "Back to the start");
                }
            }
            default -> {
                if (!authenticated) {
                    no(null, "Authenticate first");
                    return;
                }
                try {
                    scripts(command);
                } catch (StoreException e) {
                    log.warn("managesieve: store failed for {}: {}", user.address(), e.getMessage());
                    no("TRYLATER", "Temporary failure, try again later");
                }
            }
        }
    }

    private void scripts(Command command) throws IOException, End {
        long id = user.accountId();
        SieveScripts scripts = services.scripts();
        switch (command) {
            case Command.ListScripts l -> {
                for (SieveScripts.Script s : scripts.list(id)) connection.writeLine(quoted(s.name()) + (s.active() ? " ACTIVE" : ""));
                ok(null, "Listscripts completed");
            }
            case Command.HaveSpace h -> {
                if (!validName(h.name())) return;
                if (h.size() > services.maxScriptBytes()) {
                    no("QUOTA/MAXSIZE", "Scripts are limited to " + services.maxScriptBytes() + " octets");
                } else if (scripts.text(id, h.name()).isEmpty() && scripts.list(id).size() >= services.maxScripts()) {
                    no("QUOTA/MAXSCRIPTS", "At most " + services.maxScripts() + " scripts");
                } else {
                    ok(null, "Putscript would succeed");
                }
            }
            case Command.PutScript p -> {
                if (!validName(p.name()) || !compiles(p.content())) return;
                if (scripts.text(id, p.name()).isEmpty() && scripts.list(id).size() >= services.maxScripts()) {
                    no("QUOTA/MAXSCRIPTS", "At most " + services.maxScripts() + " scripts");
                    return;
                }
                scripts.put(id, p.name(), p.content());
                ok(null, "Putscript completed");
            }
            case Command.CheckScript c -> {
                if (compiles(c.content())) ok(null, "Script is valid");
            }
            case Command.GetScript g -> {
                Optional<String> text = scripts.text(id, g.name());
                if (text.isEmpty()) {
                    no("NONEXISTENT", "No script " + g.name());
                    return;
                }
                byte[] b = text.get().getBytes(StandardCharsets.UTF_8);
                connection.writeLine("{" + b.length + "}");
                connection.output().write(b);
                connection.writeLine("");
                ok(null, "Getscript completed");
            }
            case Command.SetActive s -> {
                if (!s.name().isEmpty() && scripts.text(id, s.name()).isEmpty()) {
                    no("NONEXISTENT", "No script " + s.name());
                    return;
                }
                scripts.activate(id, s.name());
                ok(null, s.name().isEmpty() ? "No script is active" : "Setactive completed");
            }
            case Command.DeleteScript d -> {
                if (scripts.activeName(id).filter(d.name()::equals).isPresent()) {
                    no("ACTIVE", "Deactivate the script before deleting it");
                } else if (!scripts.delete(id, d.name())) {
                    no("NONEXISTENT", "No script " + d.name());
                } else {
                    ok(null, "Deletescript completed");
                }
            }
            case Command.RenameScript r -> {
                if (!validName(r.to())) return;
                Optional<String> text = scripts.text(id, r.from());
                if (text.isEmpty()) {
                    no("NONEXISTENT", "No script " + r.from());
                } else if (scripts.text(id, r.to()).isPresent()) {
                    no("ALREADYEXISTS", "A script " + r.to() + " exists");
                } else {
                    scripts.rename(id, r.from(), r.to(), text.get());
                    ok(null, "Renamescript completed");
                }
            }
            default -> no(null, "Command not valid here");
        }
    }

    private boolean compiles(String text) throws IOException, End {
        try {
            Grammar.compile(text, services.maxScriptBytes());
            return true;
        } catch (SieveException e) {
            no(null, e.getMessage());
            return false;
        }
    }

    /** RFC 5804 1.6: no control characters, not empty; answered NO when not. */
    private boolean validName(String name) throws IOException, End {
        boolean ok = !name.isEmpty() && name.codePointCount(0, name.length()) <= MAX_NAME
                && name.codePoints().noneMatch(c -> c < 0x20 || c >= 0x7f && c <= 0x9f || c == 0x2028 || c == 0x2029);
        if (!ok) no(null, "Invalid script name");
        return ok;
    }

    private void authenticate(Command.Authenticate a) throws IOException, End {
        Optional<SaslMechanism> mechanism = SaslServer.mechanism(a.mechanism());
        if (mechanism.isEmpty()) {
            no(null, "Unsupported mechanism " + a.mechanism());
            return;
        }
        if (!services.sasl().allowed(connection)) {
            no("ENCRYPT-NEEDED", "Use STARTTLS first");
            return;
        }
        SaslOutcome outcome = services.sasl().authenticate(mechanism.get(), a.initial() == null ? null : a.initial().isEmpty() ? "=" : a.initial(),
                challenge -> {
                    connection.writeLine(quoted(challenge));
                    try {
                        String response = CommandParser.saslResponse(read());
                        return response == null ? "*" : response;
                    } catch (ParseException | End e) {
                        return null;
                    }
                }, connection);
        switch (outcome) {
            case SaslOutcome.Success s -> {
                user = s.user();
                sessionLog.user(s.user().address());
                ok(null, "Logged in");
            }
            case SaslOutcome.Failure f -> {
                sessionLog.user(f.authcid());
                no(null, "Authentication failed");
                if (services.sasl().tooManyFailures(connection)) {
                    bye("Too many failed logins");
                    sessionLog.outcome("too-many-auth-failures");
                    throw new End();
                }
            }
            case SaslOutcome.Cancelled c -> no(null, "Authentication cancelled");
            case SaslOutcome.Malformed m -> no(null, "Malformed response: " + m.reason());
            case SaslOutcome.Unavailable u -> no("TRYLATER", "Authentication temporarily unavailable");
            case SaslOutcome.Disconnected d -> {
                sessionLog.outcome("eof");
                throw new End();
            }
        }
    }

    private void startTls() throws IOException, End {
        if (services.tls() == null || connection.isSecure()) {
            no(null, services.tls() == null ? "TLS not available" : "TLS already active");
            return;
        }
        ok(null, "Begin TLS negotiation");
        connection.flush();
        services.tls().upgrade(connection);
        sessionLog.field("tls", connection.tlsDescription());
        capabilities(); // RFC 5804 2.2: the capabilities again, now that they may have changed
        ok(null, "TLS active");
    }

    private void capabilities() throws IOException {
        connection.writeLine("\"IMPLEMENTATION\" \"TwinMail\"");
        if (services.sasl().allowed(connection) && user == null) {
            connection.writeLine("\"SASL\" " + quoted(String.join(" ", services.sasl().mechanisms(connection))));
        }
        connection.writeLine("\"SIEVE\" " + quoted(Extensions.capability()));
        if (services.tls() != null && !connection.isSecure()) connection.writeLine("\"STARTTLS\"");
        connection.writeLine("\"MAXREDIRECTS\" \"" + services.maxRedirects() + "\"");
        connection.writeLine("\"UNAUTHENTICATE\"");
        connection.writeLine("\"VERSION\" \"1.0\"");
    }

    private void ok(String code, String text) throws IOException {
        connection.writeLine("OK" + (code == null ? "" : " (" + code + ")") + " " + quoted(text));
    }

    private void no(String code, String text) throws IOException, End {
        connection.writeLine("NO" + (code == null ? "" : " (" + code + ")") + " " + quoted(text));
        if (++errors >= services.maxErrors()) {
            bye("Too many errors");
            sessionLog.outcome("too-many-errors");
            throw new End();
        }
    }

    private void bye(String text) throws IOException {
        connection.writeLine("BYE " + quoted(text));
    }

    private void quietly(String line) {
        try {
            connection.writeLine(line);
            connection.flush();
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    /** A quoted string (RFC 5804 4): CR and LF cannot be quoted, so they become spaces in texts we write. */
    static String quoted(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\');
            b.append(c == '\r' || c == '\n' ? ' ' : c);
        }
        return b.append('"').toString();
    }
}
