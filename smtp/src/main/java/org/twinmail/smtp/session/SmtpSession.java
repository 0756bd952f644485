package org.twinmail.smtp.session;

import org.twinmail.store.access.UrlAuthorizer;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.mail.Printable;
import org.twinmail.filter.Client;
import org.twinmail.filter.Decision;
import org.twinmail.filter.Disposition;
import org.twinmail.filter.Pipeline;
import org.twinmail.protocol.io.LineInput;
import org.twinmail.protocol.log.SessionLog;
import org.twinmail.protocol.net.Connection;
import org.twinmail.protocol.sasl.SaslMechanism;
import org.twinmail.protocol.sasl.SaslOutcome;
import org.twinmail.protocol.sasl.SaslServer;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.smtp.command.CommandParser;
import org.twinmail.smtp.command.CommandSyntaxException;
import org.twinmail.smtp.command.SmtpCommand;
import org.twinmail.smtp.command.Verb;
import org.twinmail.store.Directory;
import org.twinmail.store.Postmaster;
import org.twinmail.store.Quarantine;
import org.twinmail.store.Mailboxes;

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
 *
 * <p>STARTTLS (RFC 3207) is offered when the server has TLS; after the handshake the session
 * forgets everything it learned in plaintext (EHLO, a transaction, a login) and any plaintext
 * the client pipelined after the command is discarded, not executed. In
 * {@link SmtpMode#SUBMISSION} the same conversation also offers AUTH (RFC 4954) and requires it
 * before MAIL.
 *
 * <p>Policy is not decided here: at the connect, HELO/EHLO, MAIL, each RCPT and the end of DATA
 * the session asks its listener's filter {@link Pipeline} (relay, recipients, quotas, sizes,
 * the submission sender and sending rate: {@link org.twinmail.filter.Chains}) and turns the
 * verdict into the reply; the session stays the state machine and the protocol.
 */
public final class SmtpSession {
    private static final Logger log = LoggerFactory.getLogger(SmtpSession.class);
    static final int MAX_LOGGED_MAILS = 5;
    static final int MAX_LOGGED_RECIPIENTS = 3;

    private final Connection connection;
    private final LineInput input;
    private final SessionSettings settings;
    private final MailHandler mailHandler;
    private final RcptHandler rcptHandler;
    private final DataHandler dataHandler;
    private final SmtpMetrics metrics;
    private final SessionLog sessionLog;
    private final CompletableFuture<String> clientName = new CompletableFuture<>();
    private final CommandTable table;
    private final Tls tls;
    private final SaslServer sasl;
    private final Pipeline pipeline;
    private final Verdicts verdicts;
    /** URLAUTH's checks for BURL (the same code as IMAP's URLFETCH), or null. */
    private final UrlAuthorizer urlAuth;
    /** What the connect verdicts asked of every message of the session. */
    private final Disposition connectDisposition = new Disposition();
    /** The same with the last HELO's verdicts. */
    private Disposition sessionDisposition = connectDisposition;

    private String helo;
    private boolean esmtp;
    private Transaction transaction;
    private int errors;
    private int junk;
    private long messages;
    private long recipients;
    private long rejects;
    private long bytes;
    private AuthenticatedUser user;
    /** The transactions that reached the end of DATA, for the log line's {@code mail=} field. */
    private final List<String> mails = new ArrayList<>();
    private int moreMails;

    /**
     * @param pipeline the listener's filter chain
     * @param tls      offers STARTTLS when not null (and the connection is not encrypted already)
     * @param sasl     submission only: the mechanisms and the password check
     */
    public SmtpSession(Connection connection, SessionSettings settings, Directory directory, Postmaster postmaster, Mailboxes mailboxes,
                       Quarantine quarantine,
                       SmtpMetrics metrics, Pipeline pipeline, Tls tls, SaslServer sasl) {
        this(connection, settings, directory, postmaster, mailboxes, quarantine, metrics, pipeline, tls, sasl, null);
    }

    /** @param urlAuth submission only: URLAUTH's checks, for BURL (RFC 4468); null: BURL is not offered */
    public SmtpSession(Connection connection, SessionSettings settings, Directory directory, Postmaster postmaster, Mailboxes mailboxes,
                       Quarantine quarantine,
                       SmtpMetrics metrics, Pipeline pipeline, Tls tls, SaslServer sasl, UrlAuthorizer urlAuth) {
        if (settings.mode() == SmtpMode.SUBMISSION && sasl == null) {
            throw new IllegalArgumentException("submission needs SASL");
        }
        this.table = CommandTable.of(settings.mode());
        this.urlAuth = settings.mode() == SmtpMode.SUBMISSION ? urlAuth : null;
        this.tls = tls;
        this.sasl = sasl;
        this.pipeline = pipeline;
        this.verdicts = new Verdicts(metrics);
        this.connection = connection;
        this.input = connection.input();
        this.settings = settings;
        this.metrics = metrics;
        this.mailHandler = new MailHandler(settings, pipeline, verdicts);
        this.rcptHandler = new RcptHandler(settings, directory, postmaster, pipeline, verdicts);
        this.dataHandler = new DataHandler(settings, mailboxes, quarantine, metrics, pipeline, verdicts);
        this.sessionLog = new SessionLog(settings.mode() == SmtpMode.MX ? "smtp" : "submission", connection.remote());
        if (connection.isSecure()) sessionLog.field("tls", connection.tlsDescription());
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
            if (!mails.isEmpty()) sessionLog.composedField("mail", String.join(";", mails) + (moreMails > 0 ? ";+" + moreMails : ""));
            String filter = verdicts.logField();
            if (filter != null) sessionLog.field("filter", filter);
            sessionLog.finish(connection.bytesIn(), connection.bytesOut());
        }
    }

    private void serve() throws IOException {
        // The reverse lookup runs beside the conversation, so a slow DNS delays neither the
        // greeting nor the commands; only the Received line at DATA waits for it.
        InetAddress ip = connection.remoteAddress();
        Thread.startVirtualThread(() -> clientName.complete(lookUpName(ip)));
        Decision connect = pipeline.connect(client());
        verdicts.noted(connect);
        if (connect.refused()) {
            // RFC 5321 3.1: the client is refused instead of greeted (554, or 421 for a temporary reason).
            send(verdicts.reply(connect.refusal()));
            connection.flush();
            if (input.hasBuffered()) connection.lingerOnClose(); // an early talker: keep the reply from a reset
            sessionLog.outcome("refused");
            return;
        }
        connectDisposition.apply(connect, List.of());
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
                // What the rest of the line said cannot be known: answer and end the session (Postfix reads on, bounded).
                send(Reply.of(500, "5.5.2", "Error: line too long"));
                connection.flush();
                connection.lingerOnClose(); // the client is still sending: keep the reply from a reset
                sessionLog.outcome("line-too-long");
                return;
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
            CommandTable.Entry entry = e.verb() == null ? null : table.entry(e.verb());
            if (entry != null && entry.offered() && !entry.allowedIn(state())) {
                send(Reply.of(503, "5.5.1", entry.outOfSequence(state())));
                return true;
            }
            if (e.verb() == Verb.MAIL || e.verb() == Verb.RCPT) {
                metrics.rejected(RejectReason.SYNTAX);
                if (e.verb() == Verb.RCPT) transaction.refuse(RejectReason.SYNTAX.tag());
            }
            send(Reply.of(e.kind().code(), e.kind().status(), e.getMessage()));
            return true;
        }

        CommandTable.Entry entry = table.entry(command.verb());
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
                if (greeted(h.domain(), false)) send(Reply.plain(250, List.of(settings.hostname())));
            }
            case SmtpCommand.Ehlo e -> {
                if (greeted(e.domain(), true)) send(ehloReply());
            }
            case SmtpCommand.Mail m -> {
                Reply refused = authRequired();
                if (refused != null) {
                    send(refused);
                    return true;
                }
                MailHandler.Result r = mailHandler.mail(m, esmtp, client(), sessionDisposition);
                transaction = r.transaction();
                send(r.reply());
            }
            case SmtpCommand.Rcpt r -> send(rcptHandler.rcpt(r, transaction, client()));
            case SmtpCommand.Data d -> {
                return data();
            }
            case SmtpCommand.Burl b -> {
                return burl(b);
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
                    + table.offered().stream().filter(v -> v != Verb.STARTTLS || tls != null)
                            .map(Verb::name).collect(Collectors.joining(" "))));
            case SmtpCommand.StartTls t -> {
                return startTls();
            }
            case SmtpCommand.Auth a -> {
                return auth(a);
            }
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
            result = dataHandler.data(tx, connection, new DataHandler.Trace(helo, esmtp, this::verifiedName,
                    connection.remoteAddress(), connection.isSecure(), user != null), client());
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
        finish(tx, result);
        return true;
    }

    /** The end of a transaction by DATA or BURL LAST: the log line, the delivered stage, the counts, the reply. */
    private void finish(Transaction tx, DataHandler.Result result) throws IOException {
        noteMail(tx, result.reply());
        if (result.delivered()) {
            tx.read(result.bytes());
            pipeline.delivered(client(), tx);
            messages++;
            recipients += tx.recipients().size();
            bytes += result.bytes();
            errors = 0;
            junk = 0;
        }
        send(result.reply());
    }

    /**
     * BURL (RFC 4468): the URL is resolved in this process against the store, through the same
     * {@link UrlAuthorizer} as IMAP's URLFETCH, as the logged-in user acting as the submission
     * server (so {@code submit+user} URLs hold); its content is the next part of the message, and
     * with LAST the message goes through the DATA stage and is delivered as DATA's would be.
     * A URL that does not resolve ends the transaction (554 5.6.6; the parts so far are gone).
     */
    private boolean burl(SmtpCommand.Burl b) throws IOException {
        if (urlAuth == null) {
            send(Reply.of(502, "5.5.1", "Error: command not implemented"));
            return true;
        }
        Reply refusal = dataHandler.refusal(transaction);
        if (refusal != null) {
            send(refusal);
            return true;
        }
        Transaction tx = transaction;
        java.util.Optional<UrlAuthorizer.Fetched> fetched = urlAuth.fetch(b.url(), org.twinmail.core.mail.EmailAddress.parse(user.address()), true, java.time.Instant.now());
        if (fetched.isEmpty()) {
            transaction = null;
            metrics.rejected(RejectReason.SYNTAX);
            send(Reply.of(554, "5.6.6", "Error: the IMAP URL could not be resolved"));
            return true;
        }
        if (!tx.addBurl(fetched.get().content(), settings.maxMessageSize())) {
            transaction = null;
            metrics.rejected(RejectReason.TOO_BIG);
            send(Reply.of(552, "5.3.4", "Error: message too big"));
            return true;
        }
        if (!b.last()) {
            send(Reply.of(250, "2.5.0", "Ok: " + fetched.get().content().length + " octets added"));
            return true;
        }
        DataHandler.Result result = dataHandler.burl(tx, tx.burlMessage(), new DataHandler.Trace(helo, esmtp, this::verifiedName,
                connection.remoteAddress(), connection.isSecure(), user != null), client());
        transaction = null;
        finish(tx, result);
        return true;
    }

    /**
     * The log line names each message, so an administrator can trace one from the client's
     * reply: {@code mail=<queue id>/<reply code>/from=<sender>/rcpts=<n>/to=<first three>,...},
     * the first {@value #MAX_LOGGED_MAILS} transactions of the session ({@code ;+n} for the rest).
     */
    private void noteMail(Transaction tx, Reply reply) {
        if (mails.size() >= MAX_LOGGED_MAILS) {
            moreMails++;
            return;
        }
        List<String> rcpts = tx.recipients();
        StringBuilder b = new StringBuilder(96).append(tx.queueId()).append('/').append(reply.code())
                .append("/from=<").append(Printable.of(tx.reversePath())).append(">/rcpts=").append(rcpts.size()).append("/to=");
        for (int i = 0; i < Math.min(rcpts.size(), MAX_LOGGED_RECIPIENTS); i++) {
            if (i > 0) b.append(',');
            b.append('<').append(Printable.of(rcpts.get(i))).append('>');
        }
        if (rcpts.size() > MAX_LOGGED_RECIPIENTS) b.append(",...");
        mails.add(b.toString());
    }

    /** HELO/EHLO: false when the filter refused the name (the refusal is sent, the client is not greeted). */
    private boolean greeted(String name, boolean extended) throws IOException {
        // RFC 5321 4.1.4: HELO/EHLO in the middle of a session resets it as RSET does.
        transaction = null;
        helo = Printable.of(name);
        esmtp = extended;
        Decision d = pipeline.helo(client());
        verdicts.noted(d);
        if (d.refused()) {
            helo = null;
            esmtp = false;
            send(verdicts.reply(d.refusal()));
            return false;
        }
        sessionDisposition = new Disposition(connectDisposition);
        sessionDisposition.apply(d, List.of());
        return true;
    }

    /** What the filter's checks know of the client now. */
    private Client client() {
        return new Client(connection.remoteAddress(), () -> Optional.ofNullable(verifiedName()),
                settings.mode() == SmtpMode.MX ? "smtp" : "submission", connection.isSecure(), helo, esmtp, Optional.ofNullable(user),
                connection::inputWithin); // the early-talker test (pregreet) waits on the socket before the greeting
    }

    private Reply ehloReply() {
        List<String> lines = new ArrayList<>(List.of(
                settings.hostname(),
                "PIPELINING",
                "SIZE " + settings.maxMessageSize(),
                "8BITMIME",
                "ENHANCEDSTATUSCODES",
                "SMTPUTF8"));
        if (tls != null && !connection.isSecure()) lines.add("STARTTLS");
        if (settings.mode() == SmtpMode.SUBMISSION) {
            // RFC 4954 / RFC 8314: mechanisms that send the password are not offered before TLS.
            List<String> mechanisms = sasl.mechanisms(connection);
            if (!mechanisms.isEmpty()) lines.add("AUTH " + String.join(" ", mechanisms));
            // RFC 4468 3: the URL types BURL takes, once the user is known (whose URLs they are).
            if (urlAuth != null && user != null) lines.add("BURL imap");
        }
        lines.add("HELP");
        return Reply.plain(250, lines);
    }

    /** Submission at MAIL: AUTH first (the protocol's rule, before any policy). Null for the MX or once logged in. */
    private Reply authRequired() {
        if (settings.mode() != SmtpMode.SUBMISSION || user != null) return null;
        metrics.rejected(RejectReason.AUTH_REQUIRED);
        // RFC 6409 4.3 / RFC 4954 6: 530 5.7.0; before TLS the way to AUTH is STARTTLS first.
        return Reply.of(530, "5.7.0", sasl.allowed(connection) ? "Error: authentication required"
                : "Error: must issue a STARTTLS command first");
    }

    /** STARTTLS (RFC 3207): false when the handshake failed and the session is over. */
    private boolean startTls() throws IOException {
        if (tls == null) {
            send(Reply.of(502, "5.5.1", "Error: command not implemented"));
            return true;
        }
        if (connection.isSecure()) {
            send(Reply.of(503, "5.5.1", "Error: TLS already active"));
            return true;
        }
        send(Reply.of(220, "2.0.0", "Ready to start TLS"));
        int discarded;
        try {
            discarded = tls.upgrade(connection);
        } catch (IOException e) {
            log.debug("smtp: TLS handshake with {} failed: {}", connection.remote(), e.getMessage());
            sessionLog.outcome("tls-failed");
            return false;
        }
        if (discarded > 0) {
            // RFC 3207 6 / CVE-2011-0411: commands sent with STARTTLS in plaintext would otherwise run
            // as if they had come over TLS.
            log.info("smtp: discarded {} bytes of plaintext pipelined after STARTTLS by {}", discarded, connection.remote());
            sessionLog.count("discarded", discarded);
        }
        // RFC 3207 4.2: discard all knowledge obtained from the client before TLS; EHLO comes again.
        helo = null;
        esmtp = false;
        transaction = null;
        user = null;
        sessionDisposition = connectDisposition;
        sessionLog.field("tls", connection.tlsDescription());
        return true;
    }

    /** AUTH (RFC 4954): false when the client left in the middle of the exchange. */
    private boolean auth(SmtpCommand.Auth a) throws IOException {
        if (user != null) {
            send(Reply.of(503, "5.5.1", "Error: already authenticated"));
            return true;
        }
        Optional<SaslMechanism> mechanism = SaslServer.mechanism(a.mechanism());
        if (mechanism.isEmpty()) {
            send(Reply.of(504, "5.5.4", "Error: unsupported authentication mechanism"));
            return true;
        }
        if (!sasl.allowed(connection)) {
            send(Reply.of(538, "5.7.11", "Error: encryption required for requested authentication mechanism"));
            return true;
        }
        boolean[] tooLong = {false};
        SaslOutcome outcome = sasl.authenticate(mechanism.get(), a.initialResponse(), challenge -> {
            Reply.of(334, null, challenge).writeTo(connection);
            connection.flush();
            connection.setReadTimeout(settings.commandTimeout());
            LineInput.Line line = input.readLine(settings.maxLineLength() - 2);
            if (line == null || line.ending() == LineInput.Ending.EOF) return null;
            if (line.tooLong()) {
                tooLong[0] = true;
                return null;
            }
            return line.ascii();
        }, connection);
        switch (outcome) {
            case SaslOutcome.Success s -> {
                user = s.user();
                sessionLog.user(user.address());
                metrics.auth("ok");
                send(Reply.of(235, "2.7.0", "Authentication successful"));
            }
            case SaslOutcome.Failure f -> {
                sessionLog.user(f.authcid());
                metrics.auth("failed");
                send(Reply.of(535, "5.7.8", "Error: authentication failed"));
                if (sasl.tooManyFailures(connection)) { // auth.maxFailuresPerConnection
                    closeWith("4.7.0", "Error: too many failed authentications", "too-many-auth-failures");
                    return false;
                }
            }
            case SaslOutcome.Cancelled c -> send(Reply.of(501, "5.0.0", "Error: authentication cancelled"));
            case SaslOutcome.Malformed m -> send(Reply.of(501, "5.5.2", "Error: malformed authentication response"));
            case SaslOutcome.Unavailable u -> {
                metrics.auth("error");
                send(Reply.of(454, "4.7.0", "Error: temporary authentication failure"));
            }
            case SaslOutcome.Disconnected d -> {
                if (!tooLong[0]) {
                    sessionLog.outcome("eof-in-auth");
                    return false;
                }
                send(Reply.of(500, "5.5.6", "Error: authentication exchange line is too long"));
            }
        }
        return true;
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
