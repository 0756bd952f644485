package org.twinmail.smtp.session;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.twinmail.core.mail.Printable;
import org.twinmail.protocol.io.LineInput;
import org.twinmail.protocol.log.SessionLog;
import org.twinmail.protocol.net.Connection;
import org.twinmail.smtp.command.CommandParser;
import org.twinmail.smtp.command.CommandSyntaxException;
import org.twinmail.smtp.command.SmtpCommand;
import org.twinmail.smtp.command.Verb;
import org.twinmail.store.MailStore;

/**
 * One inbound SMTP session, read top to bottom on its own virtual thread: greet, then read a
 * command, check it against the {@link CommandTable}, run it, reply; until QUIT, a timeout,
 * too many errors or the client leaving.
 *
 * <p>Replies are queued and flushed only when the client has nothing more buffered
 * (RFC 2920 PIPELINING: a pipelined group is answered in order, in as few packets as
 * possible) and always before we block waiting for message content after 354.
 *
 * <p>Limits, all from the configuration: line length, command and data timeouts (421 4.4.2
 * and close), errors (every 4xx/5xx reply; at {@code maxErrors} 421 4.7.0 and close), junk
 * commands (beyond {@code junkCommandLimit} 421 4.7.0 and close). Both counters start again
 * after a delivered message, as Postfix's limits count "errors without delivering mail", so
 * a long-lived session from a busy peer is not cut off for its recipients' typos.
 */
public final class SmtpSession {
    private final Connection connection;
    private final LineInput input;
    private final SessionSettings settings;
    private final MailHandler mailHandler;
    private final RcptHandler rcptHandler;
    private final DataHandler dataHandler;
    private final SmtpMetrics metrics;
    private final SessionLog sessionLog;
    private final CompletableFuture<String> clientName = new CompletableFuture<>();

    private String helo;
    private boolean esmtp;
    private Transaction transaction;
    private int errors;
    private int junk;
    private long messages;
    private long recipients;
    private long rejects;
    private long bytes;

    public SmtpSession(Connection connection, SessionSettings settings, MailStore store, SmtpMetrics metrics) {
        this.connection = connection;
        this.input = connection.input();
        this.settings = settings;
        this.metrics = metrics;
        this.mailHandler = new MailHandler(settings, metrics);
        this.rcptHandler = new RcptHandler(settings, store, metrics);
        this.dataHandler = new DataHandler(settings, store, metrics);
        this.sessionLog = new SessionLog("smtp", connection.remote());
    }

    /** Runs the session to its end; the caller closes the connection. */
    public void run() {
        try {
            serve();
        } catch (IOException e) {
            // Reset, broken pipe: the client is gone mid-conversation; nothing was half-acknowledged.
            if (sessionLog.outcome().equals("ok")) sessionLog.outcome("lost");
        } finally {
            sessionLog.field("helo", helo == null ? "-" : helo);
            sessionLog.count("msgs", messages);
            sessionLog.count("rcpts", recipients);
            sessionLog.count("rejects", rejects);
            sessionLog.count("bytes", bytes);
            sessionLog.finish(connection.bytesIn(), connection.bytesOut());
        }
    }

    private void serve() throws IOException {
        // The reverse lookup runs beside the conversation, so a slow DNS delays neither the
        // greeting nor the commands; only the Received line at DATA waits for it.
        InetAddress ip = connection.remoteAddress();
        Thread.startVirtualThread(() -> clientName.complete(lookUpName(ip)));
        send(Reply.plain(220, List.of(settings.hostname() + " ESMTP TwinMail")));
        while (true) {
            if (errors >= settings.maxErrors()) {
                closeWith("4.7.0", "Error: too many errors", "too-many-errors");
                return;
            }
            if (!input.hasBuffered()) connection.flush();
            connection.setReadTimeout(settings.commandTimeout());
            LineInput.Line line;
            try {
                line = input.readLine(settings.maxLineLength() - 2);
            } catch (SocketTimeoutException e) {
                closeWith("4.4.2", "Error: timeout exceeded", "timeout");
                return;
            }
            if (line == null || line.ending() == LineInput.Ending.EOF) {
                sessionLog.outcome("eof"); // a last line without CRLF is not a command
                return;
            }
            if (line.tooLong()) {
                send(Reply.of(500, "5.5.2", "Error: line too long"));
                continue;
            }
            if (!execute(line.bytes())) return;
        }
    }

    /** Parses and runs one command; false when the session is over. */
    private boolean execute(byte[] line) throws IOException {
        SmtpCommand command;
        try {
            command = CommandParser.parse(line, transaction != null && transaction.smtputf8());
        } catch (CommandSyntaxException e) {
            // Sequence before syntax, as Postfix: "MAIL FROM:<bad" before EHLO is out of order first.
            CommandTable.Entry entry = e.verb() == null ? null : CommandTable.entry(e.verb());
            if (entry != null && entry.offered() && !entry.allowedIn(state())) {
                send(Reply.of(503, "5.5.1", entry.outOfSequence(state())));
                return true;
            }
            if (e.verb() == Verb.MAIL || e.verb() == Verb.RCPT) {
                metrics.rejected(RejectReason.SYNTAX);
                if (e.verb() == Verb.RCPT) transaction.refuse();
            }
            send(Reply.of(e.kind().code(), e.kind().status(), e.getMessage()));
            return true;
        }

        CommandTable.Entry entry = CommandTable.entry(command.verb());
        if (entry.junk() && ++junk > settings.junkCommandLimit()) {
            closeWith("4.7.0", "Error: too many junk commands", "too-many-junk-commands");
            return false;
        }
        if (!entry.offered()) {
            send(Reply.of(502, "5.5.1", "Error: command not implemented"));
            return true;
        }
        if (!entry.allowedIn(state())) {
            send(Reply.of(503, "5.5.1", entry.outOfSequence(state())));
            return true;
        }

        switch (command) {
            case SmtpCommand.Helo h -> {
                greeted(h.domain(), false);
                send(Reply.plain(250, List.of(settings.hostname())));
            }
            case SmtpCommand.Ehlo e -> {
                greeted(e.domain(), true);
                send(ehloReply());
            }
            case SmtpCommand.Mail m -> {
                MailHandler.Result r = mailHandler.mail(m, esmtp);
                transaction = r.transaction();
                send(r.reply());
            }
            case SmtpCommand.Rcpt r -> send(rcptHandler.rcpt(r, transaction));
            case SmtpCommand.Data d -> {
                return data();
            }
            case SmtpCommand.Rset r -> {
                transaction = null;
                send(Reply.of(250, "2.0.0", "Ok"));
            }
            case SmtpCommand.Noop n -> send(Reply.of(250, "2.0.0", "Ok"));
            case SmtpCommand.Quit q -> {
                send(Reply.of(221, "2.0.0", "Bye"));
                connection.flush();
                sessionLog.outcome("quit");
                return false;
            }
            // RFC 5321 3.5.3 / 7.3: 252 neither confirms nor denies, so VRFY cannot harvest addresses.
            case SmtpCommand.Vrfy v -> send(Reply.of(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"));
            case SmtpCommand.Help h -> send(Reply.of(214, "2.0.0", "Commands: "
                    + CommandTable.offered().stream().map(Verb::name).collect(Collectors.joining(" "))));
            case SmtpCommand.NotOffered n -> throw new IllegalStateException(n.verb() + " is not offered in the command table");
        }
        return true;
    }

    /** DATA: refuse before 354 if no recipient was accepted, else read and deliver. */
    private boolean data() throws IOException {
        Reply refusal = dataHandler.refusal(transaction);
        if (refusal != null) {
            send(refusal);
            return true;
        }
        Transaction tx = transaction;
        DataHandler.Result result;
        try {
            result = dataHandler.data(tx, connection, new DataHandler.Client(helo, esmtp, this::verifiedName, connection.remoteAddress()));
        } catch (SocketTimeoutException e) {
            metrics.rejected(RejectReason.TIMEOUT);
            closeWith("4.4.2", "Error: timeout exceeded", "timeout-in-data");
            return false;
        } catch (EOFException e) {
            metrics.rejected(RejectReason.DISCONNECT);
            sessionLog.outcome("eof-in-data");
            return false;
        } catch (IOException e) {
            metrics.rejected(RejectReason.DISCONNECT);
            sessionLog.outcome("lost-in-data");
            return false;
        }
        transaction = null; // RFC 5321 4.1.1.4: the transaction ends with the reply to the data, whatever it is
        if (result.delivered()) {
            messages++;
            recipients += tx.recipients().size();
            bytes += result.bytes();
            errors = 0;
            junk = 0;
        }
        send(result.reply());
        return true;
    }

    private void greeted(String name, boolean extended) {
        // RFC 5321 4.1.4: HELO/EHLO in the middle of a session resets it as RSET does.
        helo = Printable.of(name);
        esmtp = extended;
        transaction = null;
    }

    private Reply ehloReply() {
        return Reply.plain(250, List.of(
                settings.hostname(),
                "PIPELINING",
                "SIZE " + settings.maxMessageSize(),
                "8BITMIME",
                "ENHANCEDSTATUSCODES",
                "SMTPUTF8",
                "HELP"));
    }

    private SessionState state() {
        if (helo == null) return SessionState.CONNECTED;
        if (transaction == null) return SessionState.GREETED;
        return transaction.recipients().isEmpty() ? SessionState.MAIL : SessionState.RCPT;
    }

    private void send(Reply reply) throws IOException {
        reply.writeTo(connection);
        if (reply.isError()) rejects++;
        if (reply.countsAsError()) errors++;
    }

    /** 421 with our name first (RFC 5321 4.2.2 / 3.8), then the session ends. */
    private void closeWith(String status, String text, String outcome) throws IOException {
        sessionLog.outcome(outcome);
        Reply.of(421, status, settings.hostname() + " " + text).writeTo(connection);
        connection.flush();
    }

    /**
     * The client's reverse-DNS name, verified by a forward lookup (the JDK resolves the PTR
     * name again and drops it unless it maps back to the address), or null.
     */
    private static String lookUpName(InetAddress ip) {
        try {
            String name = InetAddress.getByAddress(ip.getAddress()).getCanonicalHostName();
            return isHostname(name) && !name.equals(ip.getHostAddress()) ? name : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The verified name, waiting for the lookup at most as long as the data phase may stay idle. */
    private String verifiedName() {
        try {
            return clientName.get(settings.dataTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static boolean isHostname(String s) {
        if (s == null || s.isEmpty() || s.length() > 253) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.')) return false;
        }
        return true;
    }
}
