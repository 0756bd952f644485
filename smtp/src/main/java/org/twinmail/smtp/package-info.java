/**
 * SMTP on the store's {@link org.twinmail.store.Directory} and {@link org.twinmail.store.Mailboxes}:
 * the MX (RFC 5321, STARTTLS RFC 3207) and message submission (RFC 6409, AUTH RFC 4954, implicit
 * TLS RFC 8314) as two modes of one session. {@link org.twinmail.smtp.SmtpServer} is the entry
 * point. Every policy decision (relaying, recipients, quotas, sizes, the submission sender and
 * sending rate) is a check of the {@code filter} module's chain, which the session consults at
 * each stage.
 *
 * <ul>
 *   <li>{@code command}: a command line becomes a typed {@code SmtpCommand}, or a typed syntax error
 *       with its reply code. No I/O, no store.</li>
 *   <li>{@code session}: the conversation ({@code SmtpSession}), the command table (which verb is
 *       allowed when, which is junk), and one handler per non-trivial command: {@code MailHandler},
 *       {@code RcptHandler} (the recipient's address, the RCPT stage), {@code DataHandler} (the DATA
 *       stage and delivery); {@code Verdicts} turns the filter's decisions into replies, metrics
 *       and the log line's {@code filter=} field.</li>
 *   <li>{@code data}: reading message content (end of data, dot-unstuffing, limits) and the trace
 *       headers we prepend; the From header's addresses for submission.</li>
 * </ul>
 */
package org.twinmail.smtp;
